import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connect.settings")
django_application = get_wsgi_application()

# Phones' requests under /prov/ are answered before Django's handler when they can be
# (provisioning.fastpath); everything else, and every uncommon phone request, goes to Django.
# PROVISIONING_FAST_PATH=0: everything to Django.
from provisioning.fastpath import FastPath  # noqa: E402 - needs the apps loaded above

application = (
    FastPath(django_application) if settings.PROVISIONING_FAST_PATH else django_application
)
