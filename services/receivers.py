"""Signal receivers connecting customers' events to services (customers never imports services)."""

from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils.translation import gettext as _

from customers.signals import directory_proposal_submitting, user_copied


@receiver(user_copied, dispatch_uid="services_copy_user_settings")
def copy_user_settings(sender, source, target, by, **kwargs):
    from services.operations import service_settings_copy

    service_settings_copy(source_user=source, target_user=target, by=by)


@receiver(directory_proposal_submitting, dispatch_uid="services_check_editable_directory_field")
def check_editable_directory_field(sender, user, field, by, **kwargs):
    """SVC-16: a user's own edit is accepted only for the fields the user may edit."""
    from services.queries import editable_directory_field_ids

    if field.pk not in editable_directory_field_ids(user):
        raise ValidationError({"field": _("Users may not edit the directory field “%(field)s”.") % {"field": field}})
