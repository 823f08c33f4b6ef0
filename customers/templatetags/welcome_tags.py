"""Template tags of the welcome-message area (USR-5)."""

from django import template

from customers.operations.welcome import latest_messages

register = template.Library()


@register.simple_tag
def welcome_messages_for(user):
    """The user's newest welcome message per channel (for customers/_welcome_status.html)."""
    if user is None or not getattr(user, "pk", None):
        return []
    return latest_messages(user)
