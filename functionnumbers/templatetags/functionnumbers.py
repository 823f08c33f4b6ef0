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
    from functionnumbers.layouts import LAYOUTS, MENU_ORDER, MENU_PAGES

    return [
        (reverse(f"functionnumbers:{entry}_list"), LAYOUTS[entry].title)
        if entry in LAYOUTS
        else (reverse(entry), MENU_PAGES[entry])
        for entry in MENU_ORDER
    ]


@register.simple_tag
def flow_choices(choices, kind):
    return choices.get(kind, [])
