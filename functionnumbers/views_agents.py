"""Agent lists (FN-2 "Fordelingsindstillinger", FN-7) and login state (FC-1, FN-9) on the pages of
ACD, attendant and hunt groups.

The update page shows two panels (`panels()`); their buttons post to the small views below, which
answer htmx with the panel again (partials `_agents.html`, `_logins.html`) and a plain POST with a
redirect to the page. Every view fetches the group through the tenancy helper (another
organisation's group or agent is a 404) and then asks customers.permissions with the group:
changing the agent list is editing the function number (OrgAdmin, the group's administrators);
logging agents in and out is CONTROL_AGENTS (also ACD supervisors and the group's controllers).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from connect.lib.views import PortalMixin, is_write
from customers import permissions
from customers.models import User
from functionnumbers import operations_agents, queries
from functionnumbers.models import Agent, CallGroup, FunctionNumber, Kind

SEARCH_LIMIT = 20
AGENT_KINDS = (Kind.ACD, Kind.ATTENDANT)


def _int(value):
    value = str(value or "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def agent_panel_context(request, group, *, query="", edit=None, moved=None, status=""):
    """What `_agents.html` shows: the list in the group's mode, the search and its results."""
    skill_mode = group.distribution == CallGroup.Distribution.SKILL
    agents = queries.agent_list(group)
    if not skill_mode:
        agents = agents.annotate(priority=F("position"), name=F("user__username"))
    query = (query or "").strip()[:100]
    candidates = None
    if query:
        candidates = list(queries.agent_candidates(group, query, SEARCH_LIMIT + 1))
    return {
        "group": group,
        "agents": list(agents),
        "skill_mode": skill_mode,
        "levels": operations_agents.SKILL_LEVELS,
        "default_level": operations_agents.DEFAULT_SKILL_LEVEL,
        "may_edit_agents": permissions.may(
            request.user, permissions.EDIT_FUNCTION_NUMBER, obj=group, write=True
        ),
        "agent_query": query,
        "candidates": candidates[:SEARCH_LIMIT] if candidates is not None else None,
        "more_candidates": candidates is not None and len(candidates) > SEARCH_LIMIT,
        "edit_agent": edit,
        "moved": moved,
        "status": status,
    }


def login_panel_context(request, function_number, *, status=""):
    """What `_logins.html` shows: who can be logged in, their state, and whether the viewer may
    change it."""
    return {
        "login_group": function_number,
        "login_states": queries.login_states(function_number),
        "may_control": permissions.may(
            request.user, permissions.CONTROL_AGENTS, obj=function_number, write=True
        ),
        "login_status": status,
    }


def panels(request, function_number):
    """Context for the update page of any function number: the panels its type has."""
    context = {}
    if function_number.kind in AGENT_KINDS:
        context["agent_panel"] = agent_panel_context(
            request,
            function_number,
            query=request.GET.get("agent_q", ""),
            edit=_int(request.GET.get("edit_agent")),
        )
    if function_number.kind in operations_agents.LOGIN_KINDS:
        context["login_panel"] = login_panel_context(request, function_number)
    return context


class GroupActionMixin(PortalMixin):
    """One group (or one agent of it) of the request's organisation, then the permission asked
    with that group. `source` is what the URL's pk names."""

    permission = permissions.EDIT_FUNCTION_NUMBER
    kinds = AGENT_KINDS

    def get_group(self):
        group = self.get_object_for_organisation(
            FunctionNumber.objects.filter(kind__in=self.kinds), pk=self.kwargs["pk"]
        )
        return group.specific()

    def has_permission(self):
        self.group = self.get_group()
        return permissions.may(
            self.request.user,
            self.permission,
            obj=self.group,
            organisation=self.organisation,
            write=is_write(self.request),
        )

    def page_url(self):
        return self.group.get_absolute_url()

    def fail(self, exc):
        text = " ".join(exc.messages)
        if not self.request.htmx:
            messages.error(self.request, text)
        return text

    def agents_answer(self, status="", **context):
        if self.request.htmx:
            return render(
                self.request,
                "functionnumbers/_agents.html",
                {
                    "agent_panel": agent_panel_context(
                        self.request, self.group, status=status, **context
                    )
                },
            )
        return HttpResponseRedirect(self.page_url() + "#agents")


class AgentActionMixin(GroupActionMixin):
    """The URL's pk is an agent; the group is its group."""

    def get_group(self):
        self.agent = self.get_object_for_organisation(
            Agent.objects.select_related("user"), pk=self.kwargs["pk"]
        )
        return CallGroup.objects.select_related("number").get(pk=self.agent.group_id)


class AgentSearchView(GroupActionMixin, View):
    """htmx: eligible users matching "Indtast en del af bruger-ID'et, for- eller efternavn"; a
    plain GET (no JavaScript) shows them on the group's page."""

    def get(self, request, pk):
        query = request.GET.get("agent_q", "")
        if not request.htmx:
            from urllib.parse import urlencode

            return HttpResponseRedirect(
                f"{self.page_url()}?{urlencode({'agent_q': query[:100]})}#agents"
            )
        context = agent_panel_context(request, self.group, query=query)
        return render(request, "functionnumbers/_agent_candidates.html", {"agent_panel": context})


class AgentAddView(GroupActionMixin, View):
    """POST user (and skill_level in skill mode): put an eligible user last on the list."""

    def post(self, request, pk):
        user_id = _int(request.POST.get("user"))
        user = (
            User.objects.for_organisation(self.organisation).filter(pk=user_id).first()
            if user_id
            else None
        )
        status = ""
        try:
            agent = operations_agents.agent_add(
                group=self.group,
                user=user,
                skill_level=request.POST.get("skill_level"),
                by=request.user,
            )
        except ValidationError as exc:
            status = self.fail(exc)
        else:
            status = _added(agent)
            if not request.htmx:
                messages.success(request, status)
        return self.agents_answer(status=status)


class AgentRemoveView(AgentActionMixin, View):
    def post(self, request, pk):
        operations_agents.agent_remove(agent=self.agent, by=request.user)
        status = _removed(self.agent)
        if not request.htmx:
            messages.success(request, status)
        return self.agents_answer(status=status)


class AgentMoveView(AgentActionMixin, View):
    """▲/▼ (generic/_priority_table.html): POST direction=up|down."""

    def post(self, request, pk):
        direction = request.POST.get("direction", "")
        status = ""
        try:
            operations_agents.agent_move(agent=self.agent, direction=direction, by=request.user)
        except ValidationError as exc:
            status = self.fail(exc)
        return self.agents_answer(status=status, moved=(self.agent.pk, direction))


class AgentLevelView(AgentActionMixin, View):
    """ "Rediger" in skill mode: POST skill_level (1–10)."""

    def post(self, request, pk):
        status = ""
        try:
            agent = operations_agents.agent_set_level(
                agent=self.agent, skill_level=request.POST.get("skill_level"), by=request.user
            )
        except ValidationError as exc:
            status = self.fail(exc)
            return self.agents_answer(status=status, edit=self.agent.pk)
        status = _level_set(agent)
        if not request.htmx:
            messages.success(request, status)
        return self.agents_answer(status=status)


class AgentLoginView(GroupActionMixin, View):
    """ "Log på" / "Log af": POST user and logged_in=1|0, for ACD, attendant and hunt groups."""

    permission = permissions.CONTROL_AGENTS
    kinds = operations_agents.LOGIN_KINDS

    def post(self, request, pk):
        user_id = _int(request.POST.get("user"))
        user = (
            User.objects.for_organisation(self.organisation).filter(pk=user_id).first()
            if user_id
            else None
        )
        logged_in = request.POST.get("logged_in")
        status = ""
        try:
            if logged_in not in ("0", "1"):
                raise ValidationError(_("Choose to log in or log out."), code="invalid")
            operations_agents.agent_login_set(
                function_number=self.group, user=user, logged_in=logged_in == "1", by=request.user
            )
        except ValidationError as exc:
            status = self.fail(exc)
        else:
            status = _login_changed(user, logged_in == "1")
            if not request.htmx:
                messages.success(request, status)
        if request.htmx:
            context = login_panel_context(request, self.group, status=status)
            return render(request, "functionnumbers/_logins.html", {"login_panel": context})
        return HttpResponseRedirect(self.page_url() + "#logins")


def _added(agent):
    return _("%(user)s was added to the agents.") % {"user": agent.user.username}


def _removed(agent):
    return _("%(user)s was removed from the agents.") % {"user": agent.user.username}


def _level_set(agent):
    return _("%(user)s now has skill level %(level)s.") % {
        "user": agent.user.username,
        "level": agent.skill_level,
    }


def _login_changed(user, logged_in):
    if logged_in:
        return _("%(user)s is logged in.") % {"user": user.username}
    return _("%(user)s is logged out.") % {"user": user.username}


agent_search = AgentSearchView.as_view()
agent_add = AgentAddView.as_view()
agent_remove = AgentRemoveView.as_view()
agent_move = AgentMoveView.as_view()
agent_level = AgentLevelView.as_view()
agent_login = AgentLoginView.as_view()
