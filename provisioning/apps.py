from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvisioningConfig(AppConfig):
    name = "provisioning"
    verbose_name = _("Provisioning")

    def ready(self):
        from django.db.models.signals import post_delete, post_save, pre_save

        from customers.models import Organisation
        from customers.operations.organisations import organisation_created
        from devices.signals import phone_config_changed
        from provisioning import receivers

        phone_config_changed.connect(receivers.phones_changed, dispatch_uid="provisioning.phones_changed")
        pre_save.connect(
            receivers.organisation_saving, sender=Organisation, dispatch_uid="provisioning.organisation_saving"
        )
        post_save.connect(
            receivers.organisation_saved, sender=Organisation, dispatch_uid="provisioning.organisation_saved"
        )
        from services.models import RingToneSettings

        pre_save.connect(receivers.ring_tones_saving, sender=RingToneSettings, dispatch_uid="provisioning.ring_tones_saving")
        post_save.connect(receivers.ring_tones_saved, sender=RingToneSettings, dispatch_uid="provisioning.ring_tones_saved")
        post_delete.connect(receivers.ring_tones_deleted, sender=RingToneSettings, dispatch_uid="provisioning.ring_tones_deleted")
        organisation_created.connect(
            receivers.organisation_created, sender=Organisation, dispatch_uid="provisioning.organisation_created"
        )
