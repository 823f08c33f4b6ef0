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


@register.simple_tag
def field_warning(kind, name):
    """The guide's warning shown with a field (functionnumbers.layouts.FIELD_WARNINGS), or ""."""
    from functionnumbers.layouts import warning_for

    return warning_for(kind, name)


# The rows of the agent and login tables are built here rather than in the templates: a group
# may have a thousand agents, and plain string formatting renders a row in a fraction of what the
# template engine needs (issue 10: the page of a group with 1,000 agents under 200 ms). Only the
# users' names come from the database; they are escaped, everything else is our own markup.

_REMOVE = (
    '<td class="text-end"><button type="submit" name="remove" value="{pk}" '
    'class="btn btn-sm btn-link text-danger py-0" title="{label}">'
    '<i class="bi bi-x-lg" aria-hidden="true"></i>'
    '<span class="visually-hidden">{label}: {username}</span></button></td>'
)
_ARROW = (
    '<button type="submit" name="{name}" value="{pk}" class="btn btn-sm btn-outline-secondary '
    'py-0"><span aria-hidden="true">{symbol}</span><span class="visually-hidden">{label}: '
    "{username}</span></button>"
)
_EDIT = (
    '<td>{level}</td><td><a href="{page}?edit_agent={pk}#agents" hx-get="{page}?edit_agent={pk}" '
    'hx-select="#agents-panel" hx-target="#agents-panel" hx-swap="outerHTML">{edit}'
    '<span class="visually-hidden"> {username}</span></a></td>'
)


def _person(username, first_name, last_name):
    """(escaped username, escaped display name) as User.display_name shows it."""
    from django.utils.html import escape

    return escape(username), escape(" ".join(p for p in (first_name, last_name) if p) or username)


@register.simple_tag
def agent_rows(panel):
    """<tr>s of the agent table of `_agents.html` (priority or skill mode). panel["agents"] are
    (pk, position, skill level, username, first name, last name) rows."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext as _

    may = panel["may_edit_agents"]
    agents = panel["agents"]
    remove_label = escape(_("Remove from the agents"))
    rows = []
    if panel["skill_mode"]:
        edit_label, page = escape(_("Edit")), escape(panel["page_url"])
        for pk, _position, level, *names in agents:
            username, name = _person(*names)
            if not may:
                rest = f"<td>{level}</td>"
            elif pk == panel["edit_agent"]:
                rest = _level_editor(panel, pk, level)
            else:
                rest = _EDIT.format(
                    level=level, page=page, pk=pk, edit=edit_label, username=username
                )
            remove = _REMOVE.format(pk=pk, label=remove_label, username=username) if may else ""
            rows.append(f"<tr><td>{username}</td><td>{name}</td>{rest}{remove}</tr>")
        return mark_safe("\n".join(rows))  # noqa: S308 - names escaped above, the rest is ours
    up_label, down_label = escape(_("Move up")), escape(_("Move down"))
    last = len(agents) - 1
    for index, (pk, position, _level, *names) in enumerate(agents):
        username, name = _person(*names)
        arrows = remove = ""
        if may:
            if index:
                arrows = _ARROW.format(
                    name="up", pk=pk, symbol="▲", label=up_label, username=username
                )
            if index != last:
                arrows += " " + _ARROW.format(
                    name="down", pk=pk, symbol="▼", label=down_label, username=username
                )
            remove = _REMOVE.format(pk=pk, label=remove_label, username=username)
        rows.append(
            '<tr><td class="text-nowrap"><span class="d-inline-block text-end" '
            f'style="min-width: 2.5em">{position}</span> {arrows}</td><td>{username}</td>'
            f"<td>{name}</td>{remove}</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - names escaped above, the rest is ours


def _level_editor(panel, pk, level):
    """The "Rediger" cells: "Hvilket færdighedsniveau har denne bruger:", the level, Ok, Annuller."""
    from django.utils.html import format_html, format_html_join
    from django.utils.translation import gettext as _

    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == level else "", value) for value in panel["levels"]),
    )
    return format_html(
        '<td colspan="2"><div class="d-flex flex-wrap align-items-center gap-2">'
        '<label for="agent-level" class="form-label m-0">{question}</label>'
        '<select name="skill_level" id="agent-level" class="form-select form-select-sm w-auto" '
        "autofocus>{options}</select>"
        '<button type="submit" name="level_for" value="{pk}" class="btn btn-sm btn-primary">{ok}</button>'
        '<a href="{page}#agents" class="btn btn-sm btn-outline-secondary" hx-get="{page}" '
        'hx-select="#agents-panel" hx-target="#agents-panel" hx-swap="outerHTML">{cancel}</a>'
        "</div></td>",
        question=_("Which skill level does this user have:"),
        options=options,
        pk=pk,
        ok=_("Ok"),
        page=panel["page_url"],
        cancel=_("Cancel"),
    )


@register.simple_tag
def login_rows(panel):
    """<tr>s of the login table of `_logins.html`. panel["login_states"] are (pk, username, first
    name, last name, logged in) rows."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import pgettext

    may = panel["may_control"]
    states = {
        True: (
            "success",
            escape(pgettext("agent", "Logged in")),
            "logout",
            "btn-outline-secondary",
            escape(pgettext("agent", "Log out")),
        ),
        False: (
            "secondary",
            escape(pgettext("agent", "Logged out")),
            "login",
            "btn-outline-success",
            escape(pgettext("agent", "Log in")),
        ),
    }
    rows = []
    for pk, *names, logged_in in panel["login_states"]:
        username, name = _person(*names)
        colour, state, action, style, label = states[bool(logged_in)]
        button = ""
        if may:
            button = (
                f'<td class="text-end"><button type="submit" name="{action}" value="{pk}" '
                f'class="btn btn-sm {style} py-0">{label}<span class="visually-hidden"> '
                f"{username}</span></button></td>"
            )
        rows.append(
            f'<tr><td>{username}</td><td>{name}</td><td><span class="badge text-bg-{colour}">'
            f"{state}</span></td>{button}</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - names escaped above, the rest is ours
