"""User groups (USR-16, "Brugergrupper"): list with priorities, create, edit, delete, reorder."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from connect.lib.tenancy import get_for_organisation, scoped
from connect.lib.views import (
    PortalCreateView,
    PortalDeleteView,
    PortalListView,
    PortalMixin,
    PortalUpdateView,
)
from customers import operations, permissions
from customers.forms.groups import UserGroupForm
from customers.models import UserGroup


def history_url(obj):
    return reverse("customers:history", args=[ContentType.objects.get_for_model(obj).pk, obj.pk])


def users_url():
    """The users list ("Vis brugere" appends ?group=<pk>); built by the users area."""
    try:
        return reverse("customers:user_list")
    except NoReverseMatch:
        return "/users/"


def _table_context(organisation, moved=None, status=""):
    groups = scoped(UserGroup, organisation).annotate(member_count=Count("memberships")).order_by("priority")
    return {"groups": groups, "users_url": users_url(), "moved": moved, "status": status}


class UserGroupListView(PortalListView):
    model = UserGroup
    permission = permissions.MANAGE_USERS
    template_name = "customers/usergroup_list.html"
    paginate_by = None  # an organisation has tens of groups; reordering needs them on one page

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_table_context(self.organisation))
        context["title"] = _("User groups")
        context["create_url"] = reverse("customers:usergroup_create")
        return context


class GroupFormMixin:
    model = UserGroup
    form_class = UserGroupForm
    permission = permissions.MANAGE_USERS
    success_url = reverse_lazy("customers:usergroup_list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("customers:usergroup_list")
        return context


class UserGroupCreateView(GroupFormMixin, PortalCreateView):
    success_message = gettext_lazy("The group “%(object)s” was created.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Create new group")
        return context

    def perform_save(self, form):
        return operations.usergroup_create(organisation=self.organisation, by=self.request.user, **form.cleaned_data)


class UserGroupUpdateView(GroupFormMixin, PortalUpdateView):
    success_message = gettext_lazy("The group “%(object)s” was saved.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Edit group “%(name)s”") % {"name": self.object.name}
        context["history_url"] = history_url(self.object)
        return context

    def perform_save(self, form):
        return operations.usergroup_update(group=self.object, by=self.request.user, **form.cleaned_data)


class UserGroupDeleteView(PortalDeleteView):
    model = UserGroup
    permission = permissions.MANAGE_USERS
    template_name = "customers/usergroup_confirm_delete.html"
    success_url = reverse_lazy("customers:usergroup_list")
    success_message = gettext_lazy("The group “%(object)s” was deleted.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("customers:usergroup_list")
        context["member_count"] = self.object.memberships.count()
        context["below_count"] = scoped(UserGroup, self.organisation).filter(priority__gt=self.object.priority).count()
        return context

    def perform_delete(self, obj):
        operations.usergroup_delete(group=obj, by=self.request.user)


class UserGroupMoveView(PortalMixin, View):
    """▲/▼: POST direction=up|down. htmx gets the table back, a plain POST a redirect to the list."""

    permission = permissions.MANAGE_USERS

    def get(self, request, pk):
        get_for_organisation(UserGroup, self.organisation, pk=pk)  # another organisation's group: 404
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, pk):
        group = get_for_organisation(UserGroup, self.organisation, pk=pk)
        direction = request.POST.get("direction", "")
        status = ""  # a move that worked is announced by the table itself
        try:
            group = operations.usergroup_move(group=group, direction=direction, by=request.user)
        except ValidationError as exc:
            status = " ".join(exc.messages)
            if not request.htmx:
                messages.error(request, status)
        if request.htmx:
            context = _table_context(self.organisation, moved=(group.pk, direction), status=status)
            return render(request, "customers/_usergroup_table.html", context)
        return HttpResponseRedirect(reverse("customers:usergroup_list"))


usergroup_list = UserGroupListView.as_view()
usergroup_create = UserGroupCreateView.as_view()
usergroup_update = UserGroupUpdateView.as_view()
usergroup_delete = UserGroupDeleteView.as_view()
usergroup_move = UserGroupMoveView.as_view()
