from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FunctionnumbersConfig(AppConfig):
    name = "functionnumbers"
    verbose_name = _("Function numbers")
