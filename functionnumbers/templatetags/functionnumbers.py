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


@register.simple_tag
def function_number_menu():
    from functionnumbers.layouts import LAYOUTS, MENU_ORDER

    return [(reverse(f"functionnumbers:{kind}_list"), LAYOUTS[kind].title) for kind in MENU_ORDER]


@register.simple_tag
def field_warning(kind, name):
    """The guide's warning shown with a field (functionnumbers.layouts.FIELD_WARNINGS), or ""."""
    from functionnumbers.layouts import warning_for

    return warning_for(kind, name)
