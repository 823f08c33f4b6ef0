from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def column_label(layout, column):
    name = column.removeprefix("get_").removesuffix("_display")
    return layout.model._meta.get_field(name).verbose_name.capitalize()


@register.simple_tag
def column_value(item, column):
    value = getattr(item, column)
    return value() if callable(value) else value


@register.simple_tag
def fn_url(kind, action, *args):
    return reverse(f"functionnumbers:{kind}_{action}", args=args)


@register.simple_tag(takes_context=True)
def function_number_menu(context):
    """(url, title) of the types the signed-in person may open, in the guide's order: every type
    for OrgAdmins, only those with a function number of theirs for group administrators, ACD
    supervisors and controllers (SET-5)."""
    from functionnumbers.layouts import LAYOUTS
    from functionnumbers.queries import visible_kinds

    request = context.get("request")
    if request is None:
        return []
    organisation = getattr(request, "organisation", None)
    return [
        (reverse(f"functionnumbers:{kind}_list"), LAYOUTS[kind].title)
        for kind in visible_kinds(request.user, organisation)
    ]
