"""Agent lists (FN-2 "Fordelingsindstillinger", FN-7) and login state (FC-1, FN-9) on the pages of
ACD, attendant and hunt groups.

The update page shows two panels (`panels()`); their buttons post to the small views below, which
answer htmx with the panel again (partials `_agents.html`, `_logins.html`) and a plain POST with a
redirect to the page. Each panel's table is one form whose buttons carry what to do and to whom
(a group may have a thousand agents). Every view fetches the group through the tenancy helper
(another organisation's group is a 404) and then asks customers.permissions with the group:
changing the agent list is editing the function number (OrgAdmin, the group's administrators);
logging agents in and out is CONTROL_AGENTS (also ACD supervisors and the group's controllers).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
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


def _may_change(request, action, group):
    """Does the page offer the buttons that change `group` by `action`?"""
    return permissions.may(
        request.user, action, obj=group, organisation=request.organisation, write=True
    )


def agent_panel_context(request, group, *, query="", edit=None, status=""):
    """What `_agents.html` shows: the list in the group's mode, the search and its results."""
    query = (query or "").strip()[:100]
    candidates = None
    if query:
        candidates = list(queries.agent_candidates(group, query, SEARCH_LIMIT + 1))
    return {
        "group": group,
        "agents": list(
            queries.agent_list(group).values_list(
                "pk",
                "position",
                "skill_level",
                "user__username",
                "user__first_name",
                "user__last_name",
            )
        ),
        "skill_mode": group.distribution == CallGroup.Distribution.SKILL,
        "levels": operations_agents.SKILL_LEVELS,
        "default_level": operations_agents.DEFAULT_SKILL_LEVEL,
        "may_edit_agents": _may_change(request, permissions.EDIT_FUNCTION_NUMBER, group),
        "page_url": group.get_absolute_url(),
        "change_url": reverse("functionnumbers:agent_change", args=[group.pk]),
        "agent_query": query,
        "candidates": candidates[:SEARCH_LIMIT] if candidates is not None else None,
        "more_candidates": candidates is not None and len(candidates) > SEARCH_LIMIT,
        "edit_agent": edit,
        "status": status,
    }


def login_panel_context(request, function_number, *, status=""):
    """What `_logins.html` shows: who can be logged in, their state, and whether the viewer may
    change it."""
    return {
        "login_group": function_number,
        "login_states": list(
            queries.login_states(function_number).values_list(
                "pk", "username", "first_name", "last_name", "logged_in"
            )
        ),
        "may_control": _may_change(request, permissions.CONTROL_AGENTS, function_number),
        "login_url": reverse("functionnumbers:agent_login", args=[function_number.pk]),
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
    """One group of the request's organisation (of `kinds`), then the permission asked with it."""

    permission = permissions.EDIT_FUNCTION_NUMBER
    kinds = AGENT_KINDS

    def get_group(self):
        source = CallGroup.objects.filter(kind__in=self.kinds).select_related(
            "number", "organisation"
        )
        return self.get_object_for_organisation(source, pk=self.kwargs["pk"])

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

    def done(self, text, *, error=False):
        """Without htmx the text is a message on the page the answer redirects to."""
        if not self.request.htmx:
            (messages.error if error else messages.success)(self.request, text)
        return text

    def agents_answer(self, status="", **context):
        if self.request.htmx:
            panel = agent_panel_context(self.request, self.group, status=status, **context)
            return render(self.request, "functionnumbers/_agents.html", {"agent_panel": panel})
        return HttpResponseRedirect(self.page_url() + "#agents")


class AgentSearchView(GroupActionMixin, View):
    """htmx: eligible users matching "Indtast en del af bruger-ID'et, for- eller efternavn"; a
    plain GET (no JavaScript) shows them on the group's page."""

    def get(self, request, pk):
        query = request.GET.get("agent_q", "")[:100]
        if not request.htmx:
            return HttpResponseRedirect(f"{self.page_url()}?{urlencode({'agent_q': query})}#agents")
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
        try:
            agent = operations_agents.agent_add(
                group=self.group,
                user=user,
                skill_level=request.POST.get("skill_level"),
                by=request.user,
            )
        except ValidationError as exc:
            return self.agents_answer(status=self.done(" ".join(exc.messages), error=True))
        text = _("%(user)s was added to the agents.") % {"user": agent.user.username}
        return self.agents_answer(status=self.done(text))


class AgentChangeView(GroupActionMixin, View):
    """The agent table's buttons: up=, down=, remove= or level_for= (with skill_level) the agent's
    id. An id that is not on this group's list is a 404."""

    ACTIONS = ("up", "down", "remove", "level_for")

    def post(self, request, pk):
        action = next((name for name in self.ACTIONS if name in request.POST), None)
        if action is None:
            return self.agents_answer(status=self.done(_("Choose what to change."), error=True))
        agent_id = _int(request.POST.get(action))
        if agent_id is None:
            raise Http404
        if action in ("up", "down"):
            return self.move(Agent(pk=agent_id, group=self.group), action)
        agent = (
            Agent.objects.filter(group=self.group.pk, pk=agent_id).select_related("user").first()
        )
        if agent is None:
            raise Http404
        agent.group = self.group
        name = agent.user.username
        try:
            if action == "remove":
                operations_agents.agent_remove(agent=agent, by=request.user)
                text = _("%(user)s was removed from the agents.") % {"user": name}
            elif action == "level_for":
                agent = operations_agents.agent_set_level(
                    agent=agent, skill_level=request.POST.get("skill_level"), by=request.user
                )
                text = _("%(user)s now has skill level %(level)s.") % {
                    "user": name,
                    "level": agent.skill_level,
                }
        except ValidationError as exc:
            edit = agent.pk if action == "level_for" else None
            return self.agents_answer(
                status=self.done(" ".join(exc.messages), error=True), edit=edit
            )
        return self.agents_answer(status=self.done(text))

    def move(self, agent, direction):
        """▲/▼: the operation reads the agent under the group's lock (issue 10: reordering one
        agent in at most 10 queries), so nothing is fetched here."""
        try:
            agent = operations_agents.agent_move(
                agent=agent, direction=direction, by=self.request.user
            )
        except Agent.DoesNotExist:
            raise Http404 from None
        if not self.request.htmx:
            return self.agents_answer()  # the list shows the move; no message needed
        text = _("%(user)s is now number %(position)s.") % {
            "user": agent.user.username,
            "position": agent.position,
        }
        return self.agents_answer(status=text)


class AgentLoginView(GroupActionMixin, View):
    """ "Log på" / "Log af": POST login= or logout= the user's id, for ACD, attendant and hunt
    groups."""

    permission = permissions.CONTROL_AGENTS
    kinds = operations_agents.LOGIN_KINDS

    def get_group(self):
        source = FunctionNumber.objects.filter(kind__in=self.kinds)
        return self.get_object_for_organisation(source, pk=self.kwargs["pk"]).specific()

    def post(self, request, pk):
        logged_in = "login" in request.POST
        user_id = _int(request.POST.get("login" if logged_in else "logout"))
        user = (
            User.objects.for_organisation(self.organisation).filter(pk=user_id).first()
            if user_id
            else None
        )
        try:
            if not logged_in and "logout" not in request.POST:
                raise ValidationError(_("Choose to log in or log out."), code="invalid")
            operations_agents.agent_login_set(
                function_number=self.group, user=user, logged_in=logged_in, by=request.user
            )
        except ValidationError as exc:
            status = self.done(" ".join(exc.messages), error=True)
        else:
            if logged_in:
                status = self.done(_("%(user)s is logged in.") % {"user": user.username})
            else:
                status = self.done(_("%(user)s is logged out.") % {"user": user.username})
        if request.htmx:
            context = login_panel_context(request, self.group, status=status)
            return render(request, "functionnumbers/_logins.html", {"login_panel": context})
        return HttpResponseRedirect(self.page_url() + "#logins")


agent_search = AgentSearchView.as_view()
agent_add = AgentAddView.as_view()
agent_change = AgentChangeView.as_view()
agent_login = AgentLoginView.as_view()
