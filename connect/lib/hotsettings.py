"""Settings read on every phone request, looked up once.

`settings.X` costs a few attribute lookups through Django's lazy settings object; a phone's fetch
reads a dozen of them, which on the phones' fast path (issue 14) adds up. `setting(name, default)`
reads each once per process and forgets them all when a test changes a setting (setting_changed).
Only for settings that do not change while the process runs.
"""

from django.conf import settings
from django.core.signals import setting_changed

_values = {}
_MISSING = object()


def setting(name, default=None):
    value = _values.get(name, _MISSING)
    if value is _MISSING:
        value = _values[name] = getattr(settings, name, default)
    return value


def _forget(**kwargs):
    _values.clear()


setting_changed.connect(_forget, dispatch_uid="connect.lib.hotsettings")
