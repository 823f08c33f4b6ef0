"""Funktionsnumre: one list, create, edit and delete view for every type, driven by the type's
layout (functionnumbers.layouts); urls.py binds them per type with `kind`."""

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext_lazy

from connect.lib.views import (
    PortalCreateView,
    PortalDeleteView,
    PortalListView,
    PortalUpdateView,
    is_write,
)
from customers import permissions
from customers.views.numbers import history_url
from functionnumbers import operations, queries, rules, views_agents
from functionnumbers.forms import form_for
from functionnumbers.layouts import layout_for
from functionnumbers.models import Kind

# A group administrator edits the function number but not its number (taken from the
# organisation's ranges) nor who administers it (SET-5): those stay with the OrgAdmins.
RESERVED_FOR_ORG_ADMINS = ("number", "admin_groups")


class KindMixin:
    """The type this view serves and its layout; urls.py makes one subclass per type
    (`for_kind`), so `model` is a plain class attribute like every other portal view's."""

    kind = None
    model = None

    @classmethod
    def for_kind(cls, kind):
        layout = layout_for(kind)
        return type(
            f"{layout.model.__name__}{cls.__name__}", (cls,), {"kind": kind, "model": layout.model}
        )

    permission = permissions.EDIT_FUNCTION_NUMBER

    @property
    def layout(self):
        return layout_for(self.kind)

    def get_queryset(self):
        # SET-5: group administrators, ACD supervisors and controllers reach only their own
        # function numbers; anything else of the organisation is a 403 (may() on the object).
        return queries.function_numbers_of_kind(self.organisation, self.kind)

    def list_url(self):
        return reverse(f"functionnumbers:{self.kind}_list")

    def sees_everything(self):
        """OrgAdmins and support: create, delete, every function number (SET-5)."""
        return queries.sees_every_function_number(self.request.user, self.organisation)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "layout": self.layout,
                "kind": self.kind,
                "cancel_url": self.list_url(),
                "may_delete": self.sees_everything(),
            }
        )
        return context


class FunctionNumberListView(KindMixin, PortalListView):
    """Every function number of the type for OrgAdmins; for group administrators, ACD supervisors
    and controllers only theirs (a type with none of theirs is a 403, like the menu leaves it out)."""

    template_name = "functionnumbers/list.html"

    def has_permission(self):
        user, organisation = self.request.user, self.organisation
        if permissions.may(user, permissions.EDIT_FUNCTION_NUMBER, organisation=organisation):
            return True
        if not permissions.may(user, permissions.VIEW_DELEGATED, organisation=organisation):
            return False
        return not is_write(self.request) and self.get_queryset().exists()

    def get_queryset(self):
        return queries.function_numbers_visible_to(self.request.user, self.organisation, self.kind)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "title": self.layout.title,
                "create_url": (
                    reverse(f"functionnumbers:{self.kind}_create") if self.sees_everything() else ""
                ),
                "create_title": self.layout.create_title,
            }
        )
        return context


class FunctionNumberFormMixin(KindMixin):
    template_name = "functionnumbers/form.html"

    def get_form_class(self):
        return form_for(self.layout)

    def get_template_names(self):
        # A type with more than its sections (IVR options, agent lists) has its own template
        # extending form.html; the others use form.html.
        return [f"functionnumbers/{self.kind}_form.html", self.template_name]

    def get_success_url(self):
        return self.list_url()

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.is_valid() and response.status_code == 302:
            for text in rules.warnings(self.kind, self.object):
                messages.warning(self.request, text)
        return response


class FunctionNumberCreateView(FunctionNumberFormMixin, PortalCreateView):
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": self.layout.create_title}

    def get_initial(self):
        from customers.models import Prompt

        initial = super().get_initial()
        if "queue_prompt" in self.layout.field_names:
            initial["queue_prompt"] = Prompt.objects.filter(
                organisation__isnull=True, name="Ringing"
            ).first()
        return initial

    def get_success_url(self):
        if self.kind == Kind.AUTO_ATTENDANT:  # FN-3: a new auto attendant's next step is its flow
            return reverse("functionnumbers:auto_attendant_flow", args=[self.object.pk])
        return super().get_success_url()

    def perform_save(self, form):
        return operations.function_number_create(
            organisation=self.organisation,
            kind=self.kind,
            number=form.cleaned_data["number"],
            by=self.request.user,
            **form.operation_fields(),
        )

    success_message = gettext_lazy("“%(object)s” was created.")


class FunctionNumberUpdateView(FunctionNumberFormMixin, PortalUpdateView):
    """The edit page. SET-5: its group administrators may change it (not its number, nor who
    administers it); ACD supervisors and its controllers may open it to log agents in and out,
    with the settings read-only and every POST to it refused."""

    success_message = gettext_lazy("“%(object)s” was saved.")

    def get_object(self, queryset=None):
        if not hasattr(self, "_object"):
            self._object = super().get_object(queryset)
        return self._object

    def has_permission(self):
        obj = self.get_object()  # another organisation's: 404 before anything else
        user = self.request.user
        if is_write(self.request):
            return permissions.may(user, permissions.EDIT_FUNCTION_NUMBER, obj=obj, write=True)
        return permissions.may(user, permissions.VIEW_FUNCTION_NUMBER, obj=obj)

    @property
    def read_only(self):
        return not permissions.may(
            self.request.user, permissions.EDIT_FUNCTION_NUMBER, obj=self.get_object(), write=True
        )

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.read_only:
            form.make_read_only()
        elif not self.sees_everything():
            form.make_read_only(RESERVED_FOR_ORG_ADMINS)
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        see_history = permissions.may(
            self.request.user, permissions.ADMINISTER_ORGANISATION, organisation=self.organisation
        )
        context.update(
            {
                "title": str(self.object),
                "history_url": history_url(self.object) if see_history else "",
                "read_only": self.read_only,
            }
        )
        context.update(views_agents.panels(self.request, self.object))
        return context

    def perform_save(self, form):
        return operations.function_number_update(
            function_number=self.object,
            number=form.cleaned_data["number"],
            by=self.request.user,
            **form.operation_fields(),
        )


class FunctionNumberDeleteView(KindMixin, PortalDeleteView):
    def has_permission(self):
        self.get_object()  # another organisation's: 404, as on the edit page
        return super().has_permission()

    def get_success_url(self):
        return self.list_url()

    def perform_delete(self, obj):
        operations.function_number_delete(function_number=obj, by=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["references"] = operations.function_number_references(self.object)
        return context
