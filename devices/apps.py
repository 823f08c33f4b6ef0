from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Devices")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_delete

        from devices import signals, tasks  # noqa: F401  (tasks: registers the Celery tasks in every process)

        user_model = get_user_model()
        post_save.connect(signals.user_saved, sender=user_model, dispatch_uid="devices.user_saved")
        pre_delete.connect(signals.user_deleting, sender=user_model, dispatch_uid="devices.user_deleting")
