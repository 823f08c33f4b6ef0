"""English date and time formats: British day-month order and ISO short forms, 24-hour clock.

Django's plain "en" formats are American (`12/04/2026 6:29 p.m.`): ambiguous for the portal's
European readers, and "p.m." reads badly at the end of a sentence. Danish keeps Django's own.
"""

from django.conf.locale.en_GB.formats import *  # noqa: F403

DATE_FORMAT = "j M Y"  # 4 Dec 2026
TIME_FORMAT = "H:i"  # 18:29
DATETIME_FORMAT = "j M Y, H:i"  # 4 Dec 2026, 18:29
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-12-04
SHORT_DATETIME_FORMAT = "Y-m-d H:i"  # 2026-12-04 18:29
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
]
