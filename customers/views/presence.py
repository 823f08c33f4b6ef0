"""Organisation → Tilstedeværelse - genveje (ORG-2), Tilstedeværelsestilstande (ORG-7), Sprog (ORG-8)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from connect.lib.views import (
    PortalCreateView,
    PortalDeleteView,
    PortalListView,
    PortalMixin,
    PortalUpdateView,
)
from customers import operations, permissions
from customers.forms.presence import ActivityForm, RoleForm, ShortcutForm
from customers.models import Activity, Language, PresenceShortcut, Role
from customers.operations.presence import language_removal_effects
from customers.views.numbers import history_url

# --- Presence states: activities and roles (ORG-7) ----------------------------------------------


class PresenceStateListView(PortalListView):
    """Activities and roles on one page, each with its feature-code number and labels."""

    model = Activity
    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/presence_states.html"
    paginate_by = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        names = dict(Language.choices)
        codes = self.organisation.languages
        activities = list(self.scoped(Activity).select_related("message").order_by("name"))
        roles = list(self.scoped(Role).order_by("name"))
        for state in activities + roles:
            state.label_cells = [state.labels.get(code, "") for code in codes]
        context.update(
            {
                "title": _("Presence states"),
                "activities": activities,
                "roles": roles,
                "languages": [(code, names.get(code, code)) for code in codes],
            }
        )
        return context


class StateFormMixin:
    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/presence_state_form.html"
    success_url = reverse_lazy("customers:presence_states")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("customers:presence_states")
        if getattr(self, "object", None) is not None and self.object.pk:
            context["history_url"] = history_url(self.object)
            context["delete_url"] = reverse(self.delete_url_name, args=[self.object.pk])
        return context


class ActivityCreateView(StateFormMixin, PortalCreateView):
    model = Activity
    form_class = ActivityForm
    success_message = gettext_lazy("The activity “%(object)s” was created.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("New activity")}

    def perform_save(self, form):
        return operations.activity_create(organisation=self.organisation, by=self.request.user, **form.operation_fields())


class ActivityUpdateView(StateFormMixin, PortalUpdateView):
    model = Activity
    form_class = ActivityForm
    delete_url_name = "customers:activity_delete"
    success_message = gettext_lazy("The activity “%(object)s” was saved.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Activity “%(name)s”") % {"name": self.object}}

    def perform_save(self, form):
        return operations.activity_update(activity=self.object, by=self.request.user, **form.operation_fields())


class RoleCreateView(StateFormMixin, PortalCreateView):
    model = Role
    form_class = RoleForm
    success_message = gettext_lazy("The role “%(object)s” was created.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("New role")}

    def perform_save(self, form):
        return operations.role_create(organisation=self.organisation, by=self.request.user, **form.operation_fields())


class RoleUpdateView(StateFormMixin, PortalUpdateView):
    model = Role
    form_class = RoleForm
    delete_url_name = "customers:role_delete"
    success_message = gettext_lazy("The role “%(object)s” was saved.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Role “%(name)s”") % {"name": self.object}}

    def perform_save(self, form):
        return operations.role_update(role=self.object, by=self.request.user, **form.operation_fields())


class StateDeleteView(PortalDeleteView):
    permission = permissions.ADMINISTER_ORGANISATION
    success_url = reverse_lazy("customers:presence_states")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "cancel_url": reverse("customers:presence_states")}


class ActivityDeleteView(StateDeleteView):
    model = Activity

    def perform_delete(self, obj):
        operations.activity_delete(activity=obj, by=self.request.user)


class RoleDeleteView(StateDeleteView):
    model = Role

    def perform_delete(self, obj):
        operations.role_delete(role=obj, by=self.request.user)


# --- Presence shortcuts (ORG-2) -----------------------------------------------------------------


class ShortcutListView(PortalListView):
    model = PresenceShortcut
    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/shortcut_list.html"
    paginate_by = None

    def get_queryset(self):
        return super().get_queryset().select_related("activity").order_by("name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"title": _("Presence shortcuts"), "create_url": reverse("customers:shortcut_create")})
        return context


class ShortcutFormMixin:
    model = PresenceShortcut
    form_class = ShortcutForm
    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/presence_state_form.html"
    success_url = reverse_lazy("customers:shortcut_list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("customers:shortcut_list")
        if getattr(self, "object", None) is not None and self.object.pk:
            context["history_url"] = history_url(self.object)
            context["delete_url"] = reverse("customers:shortcut_delete", args=[self.object.pk])
        return context


class ShortcutCreateView(ShortcutFormMixin, PortalCreateView):
    success_message = gettext_lazy("The shortcut “%(object)s” was created.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("New presence shortcut")}

    def perform_save(self, form):
        return operations.shortcut_create(organisation=self.organisation, by=self.request.user, **form.operation_fields())


class ShortcutUpdateView(ShortcutFormMixin, PortalUpdateView):
    success_message = gettext_lazy("The shortcut “%(object)s” was saved.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Presence shortcut “%(name)s”") % {"name": self.object}}

    def perform_save(self, form):
        return operations.shortcut_update(shortcut=self.object, by=self.request.user, **form.operation_fields())


class ShortcutDeleteView(PortalDeleteView):
    model = PresenceShortcut
    permission = permissions.ADMINISTER_ORGANISATION
    success_url = reverse_lazy("customers:shortcut_list")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "cancel_url": reverse("customers:shortcut_list")}

    def perform_delete(self, obj):
        operations.shortcut_delete(shortcut=obj, by=self.request.user)


# --- Languages (ORG-8) --------------------------------------------------------------------------


class LanguagesView(PortalMixin, View):
    """The ordered list of languages with a default. Each button is one change; removing a
    language that still has labels or prompts asks first and says what goes."""

    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/languages.html"

    def get(self, request):
        return self.render(request)

    def render(self, request, *, confirm=None, status=200):
        names = dict(Language.choices)
        organisation = self.organisation
        languages = organisation.languages
        context = {
            "title": _("Languages"),
            "rows": [
                {"code": code, "name": names.get(code, code), "first": i == 0, "last": i == len(languages) - 1}
                for i, code in enumerate(languages)
            ],
            "default": organisation.default_language,
            "addable": [(code, name) for code, name in Language.choices if code not in languages],
            "confirm": confirm,
            "history_url": history_url(organisation),
        }
        return render(request, self.template_name, context, status=status)

    def post(self, request):
        organisation = self.organisation
        languages = list(organisation.languages)
        default = organisation.default_language
        action = request.POST.get("action", "")
        code = request.POST.get("language", "")
        names = dict(Language.choices)
        if code not in names:
            messages.error(request, _("Select a valid choice."))
            return self.render(request, status=400)
        if action == "add" and code not in languages:
            languages.append(code)
        elif action in ("up", "down") and code in languages:
            i = languages.index(code)
            j = i - 1 if action == "up" else i + 1
            if 0 <= j < len(languages):
                languages[i], languages[j] = languages[j], languages[i]
        elif action == "default" and code in languages:
            default = code
        elif action == "remove" and code in languages:
            languages.remove(code)
            effects = language_removal_effects(organisation, [code]).get(code)
            if effects and request.POST.get("confirm") != "1":
                return self.render(request, confirm={"code": code, "name": names[code], "effects": effects})
            if default == code and languages:
                default = languages[0]
        else:
            return HttpResponseRedirect(reverse("customers:languages"))
        try:
            operations.organisation_languages_set(organisation=organisation, languages=languages, default=default, by=request.user)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
            return self.render(request, status=400)
        self.organisation.refresh_from_db()
        if action == "remove":
            messages.success(request, _("%(language)s was removed.") % {"language": names[code]})
        elif action == "add":
            messages.success(request, _("%(language)s was added.") % {"language": names[code]})
        elif action == "default":
            messages.success(request, _("%(language)s is now the default language.") % {"language": names[code]})
        return HttpResponseRedirect(reverse("customers:languages"))


presence_states = PresenceStateListView.as_view()
activity_create = ActivityCreateView.as_view()
activity_update = ActivityUpdateView.as_view()
activity_delete = ActivityDeleteView.as_view()
role_create = RoleCreateView.as_view()
role_update = RoleUpdateView.as_view()
role_delete = RoleDeleteView.as_view()
shortcut_list = ShortcutListView.as_view()
shortcut_create = ShortcutCreateView.as_view()
shortcut_update = ShortcutUpdateView.as_view()
shortcut_delete = ShortcutDeleteView.as_view()
languages = LanguagesView.as_view()
