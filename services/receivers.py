"""Signal receivers connecting customers' events to services (customers never imports services)."""

from django.core.exceptions import ValidationError
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext as _

from customers.models import Organisation
from customers.operations.organisations import organisation_created
from customers.signals import directory_proposal_submitting, user_copied
from services.models import SwitchboardSettings


@receiver(user_copied, dispatch_uid="services_copy_user_settings")
def copy_user_settings(sender, source, target, by, **kwargs):
    from services.operations import service_settings_copy
    from services.operations_conversions import conversions_copy

    service_settings_copy(source_user=source, target_user=target, by=by)
    conversions_copy(source_user=source, target_user=target, by=by)


@receiver(organisation_created, sender=Organisation, dispatch_uid="services_organisation_template")
def apply_conversion_template(sender, organisation, by=None, **kwargs):
    """ORG-1: a new organisation gets the template's standard number conversions (SVC-8)."""
    from services.operations_conversions import conversions_apply_template

    conversions_apply_template(organisation=organisation, by=by)


@receiver(post_delete, sender=SwitchboardSettings, dispatch_uid="services_switchboard_release")
def release_switchboard_number(sender, instance, **kwargs):
    """A group or user deleted with its switchboard setting frees the registered number."""
    from services.switchboard import switchboard_release

    switchboard_release(instance)


@receiver(directory_proposal_submitting, dispatch_uid="services_check_editable_directory_field")
def check_editable_directory_field(sender, user, field, by, **kwargs):
    """SVC-16: a user's own edit is accepted only for the fields the user may edit."""
    from services.queries import editable_directory_field_ids

    if field.pk not in editable_directory_field_ids(user):
        raise ValidationError({"field": _("Users may not edit the directory field “%(field)s”.") % {"field": field}})


@receiver(user_copied, dispatch_uid="services_copy_user_routing_rules")
def copy_user_routing_rules(sender, source, target, by, **kwargs):
    """USR-15: the new user gets copies of the source user's own routing rules (SVC-11)."""
    from services.operations_routing import routing_rules_copy

    routing_rules_copy(source_user=source, target_user=target, by=by)
