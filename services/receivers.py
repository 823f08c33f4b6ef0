"""Signal receivers connecting customers' events to services (customers never imports services)."""

from django.dispatch import receiver

from customers.signals import user_copied


@receiver(user_copied, dispatch_uid="services_copy_user_settings")
def copy_user_settings(sender, source, target, by, **kwargs):
    from services.operations import service_settings_copy

    service_settings_copy(source_user=source, target_user=target, by=by)


@receiver(user_copied, dispatch_uid="services_copy_user_routing_rules")
def copy_user_routing_rules(sender, source, target, by, **kwargs):
    """USR-15: the new user gets copies of the source user's own routing rules (SVC-11)."""
    from services.operations_routing import routing_rules_copy

    routing_rules_copy(source_user=source, target_user=target, by=by)
