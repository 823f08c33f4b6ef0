from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Devices")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save, pre_delete

        from customers.models import UserLine
        from customers.signals import users_changed
        from devices import signals, tasks  # noqa: F401  (tasks: registers the Celery tasks in every process)
        from devices.models import SipAccount

        user_model = get_user_model()
        post_save.connect(signals.user_saved, sender=user_model, dispatch_uid="devices.user_saved")
        pre_delete.connect(signals.user_deleting, sender=user_model, dispatch_uid="devices.user_deleting")
        users_changed.connect(signals.users_changed, sender=user_model, dispatch_uid="devices.users_changed")
        for model in (UserLine, SipAccount):
            for signal in (post_save, post_delete):
                signal.connect(signals.user_detail_changed, sender=model, dispatch_uid=f"devices.{model.__name__}.changed")
