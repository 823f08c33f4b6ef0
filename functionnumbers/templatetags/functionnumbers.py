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
    """(url, title) of the menu entries the signed-in person may open, in the guide's order:
    every entry for OrgAdmins; for group administrators, ACD supervisors, controllers and schedule
    administrators only theirs (SET-5, functionnumbers.queries.visible_menu_entries)."""
    from functionnumbers.layouts import LAYOUTS, MENU_PAGES
    from functionnumbers.queries import visible_menu_entries

    request = context.get("request")
    if request is None:
        return []
    organisation = getattr(request, "organisation", None)
    return [
        (reverse(f"functionnumbers:{entry}_list"), LAYOUTS[entry].title)
        if entry in LAYOUTS
        else (reverse(entry), MENU_PAGES[entry])
        for entry in visible_menu_entries(request.user, organisation)
    ]


@register.simple_tag
def flow_choices(choices, kind):
    return choices.get(kind, [])
