"""Pages under "Tjenester": the index, one page per service and scope, contacts, the scope picker.

URL kwargs are object pks fetched through the tenancy helper, so another organisation's group,
user or contact is a 404. Writes go through services.operations; group priorities through
customers.operations.usergroup_move.
"""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from connect.lib import numbers as numberlib
from connect.lib.forms import add_operation_errors
from connect.lib.tenancy import get_for_organisation, scoped
from connect.lib.views import PortalMixin
from customers import permissions
from customers.models import DirectoryField, Number, Prompt, User, UserGroup
from services import operations
from services.definitions import CONTACTS, MENU_ORDER, UNION, get_service
from services.forms import (
    ContactNumberFormSet,
    ExternalContactForm,
    ServiceSettingsForm,
    ValueDisplay,
    directory_field_label,
)
from services.forms_extend import working_hours_extend_form
from services.models import ExternalContact, MandatoryContact
from services.queries import function_number_contact_choices
from services.resolver import resolve_scope, resolve_user_services
from services.scopes import GROUP, USER, Scope

SEARCH_LIMIT = 25


def search_users(organisation, query):
    """Users whose username, first or last name contain every word of `query`."""
    users = scoped(User, organisation)
    words = query.split()[:5]
    if not words:
        return []
    for word in words:
        users = users.filter(Q(username__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return list(users.order_by("username").only("pk", "username", "first_name", "last_name", "organisation_id")[:SEARCH_LIMIT])


def history_url(obj):
    if obj is None or obj.pk is None:
        return None
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return reverse("customers:history", args=[content_type.pk, obj.pk])


def scope_url(service, scope):
    return reverse(f"services:{scope.url_name()}", kwargs={"slug": service.slug, **scope.url_kwargs()})


class ServicesMixin(PortalMixin):
    permission = permissions.MANAGE_SERVICES


class ServiceIndexView(ServicesMixin, View):
    def get(self, request):
        return render(request, "services/index.html", {"services": MENU_ORDER, "title": _("Services")})


class ScopePageMixin(ServicesMixin):
    """Resolves `slug` and the scope (organisation / group pk / user pk) of a service page."""

    level = "organisation"

    def get_scope(self):
        return _scope_from_kwargs(self.organisation, self.kwargs, self.level)

    def dispatch(self, request, *args, **kwargs):
        try:
            self.service = get_service(kwargs.get("slug"))
        except LookupError:
            raise Http404 from None
        return super().dispatch(request, *args, **kwargs)

    def picker_context(self, scope, groups):
        query = self.request.GET.get("q", "").strip()[:100]
        return {
            "service": self.service,
            "scope": scope,
            "groups": groups,
            "query": query,
            "search_results": search_users(self.organisation, query) if query else None,
            "may_reorder": permissions.may(
                self.request.user, permissions.MANAGE_USERS, organisation=self.organisation, write=True
            ),
            "title": f"{self.service.title}",
        }

    def search_partial(self, context):
        """An htmx search request renders just the result list."""
        if self.request.htmx and "q" in self.request.GET:
            return render(self.request, "services/_user_search_results.html", context)
        return None


class ServiceSettingsView(ScopePageMixin, View):
    """One service at one scope: the scope picker, the form and (for a user) effective values."""

    def get(self, request, **kwargs):
        return self.render_page(self.build_form())

    def post(self, request, **kwargs):
        form = self.build_form(data=request.POST)
        if form.is_valid():
            try:
                operations.service_settings_save(service=self.service, scope=self.scope, data=form.values(), by=request.user)
            except ValidationError as exc:
                add_operation_errors(form, exc)
            else:
                messages.success(request, _("The settings for %(scope)s were saved.") % {"scope": self.scope.name})
                return HttpResponseRedirect(request.path)
        return self.render_page(form, status=200)

    def build_form(self, data=None):
        self.scope = self.get_scope()
        self.groups = list(scoped(UserGroup, self.organisation).order_by("priority").only("pk", "name", "priority", "organisation_id"))
        self.resolution = resolve_scope(self.service, self.scope)
        prompts = []
        if any(f.input in ("prompt", "prompt_or_none", "greeting") for f in self.service.fields):
            prompts = list(scoped(Prompt, self.organisation).order_by("name").only("pk", "name", "kind"))
        directory_fields = []
        if any(f.input == "directory_fields" for f in self.service.fields):
            directory_fields = list(scoped(DirectoryField, self.organisation).order_by("number"))
        return ServiceSettingsForm(
            data,
            service=self.service,
            scope=self.scope,
            resolution=self.resolution,
            prompts=prompts,
            groups=self.groups,
            directory_fields=directory_fields,
        )

    def render_page(self, form, status=200):
        context = self.picker_context(self.scope, self.groups)
        partial = self.search_partial(context)
        if partial is not None:
            return partial
        row = None
        if self.resolution.row_id:
            row = self.service.model(pk=self.resolution.row_id)
        context.update(
            {
                "form": form,
                "history_url": history_url(row),
                "effective_rows": form.effective_rows(self.resolution.effective) if self.scope.level == USER else None,
                "free_number_fields": [f.name for f in self.service.fields if f.input == "number_from_ranges"],
                "extend_form": getattr(self, "extend_form", None) or working_hours_extend_form(self.service, self.scope),
            }
        )
        return render(self.request, "services/service_settings.html", context, status=status)


def source_url(service, source):
    """The service page at the level a value comes from (a default: the organisation's page)."""
    if source.level == GROUP:
        return reverse("services:service_group", args=[service.slug, source.pk])
    if source.level == USER:
        return reverse("services:service_user", args=[service.slug, source.pk])
    return reverse("services:service", args=[service.slug])


def _item_text(f, item, display):
    """One element of a list value: a group name, a mandatory contact's username, an external contact."""
    if f.kind == UNION and f.input != "list":
        return display.item_names(f).get(item, str(item))
    if isinstance(item, MandatoryContact):
        return item.label
    if not isinstance(item, ExternalContact):  # a number conversion rule
        return str(item)
    preferred = item.preferred_number
    return f"{item} — {numberlib.display(preferred.number)}" if preferred else str(item)


def user_services(user, organisation):
    """[{service, url, rows}] of the "Services" tab: per field a row {label, value, source, url} or,
    for lists, {label, items: [(text, source, url)]}; url = the page of the level that sets it."""
    display = ValueDisplay(
        prompt_names=dict(scoped(Prompt, organisation).values_list("pk", "name")),
        group_names=dict(scoped(UserGroup, organisation).values_list("pk", "name")),
        directory_field_names={d.pk: directory_field_label(d) for d in scoped(DirectoryField, organisation)},
    )
    effective = resolve_user_services(MENU_ORDER, user, organisation=organisation)
    services = []
    for service in MENU_ORDER:
        rows = []
        for f in service.fields:
            value = effective[service.slug][f.name]
            row = {"label": f.label_for(user.username), "items": None}
            if f.kind == UNION:
                items = [(_item_text(f, item, display), src, source_url(service, src)) for item, src in zip(*value, strict=True)]
                row["items"] = sorted(items, key=lambda i: i[0].casefold())
            else:
                row.update(value=display(f, value.value), source=value.source, url=source_url(service, value.source))
            rows.append(row)
        # A service set for the organisation and groups only (SVC-12) shows its effective value,
        # without "Configure for this user".
        url = reverse("services:service_user", args=[service.slug, user.pk]) if service.has_user_level else ""
        services.append({"service": service, "url": url, "rows": rows})
    return services


class UserServicesView(ServicesMixin, View):
    """The user page's "Services" tab: the user's effective value and its source for every
    service on one page. The queries do not grow with the number of groups or stored settings."""

    def get(self, request, pk):
        user = get_for_organisation(User, self.organisation, pk=pk)
        context = {"object": user, "services": user_services(user, self.organisation), "title": _("Services for %(user)s") % {"user": user.username}}
        return render(request, "services/user_services.html", context)


class ContactsPageView(ScopePageMixin, View):
    """SVC-7 at one scope: mandatory and external contacts, own and inherited (with sources)."""

    def get(self, request, **kwargs):
        scope = self.get_scope()
        groups = list(scoped(UserGroup, self.organisation).order_by("priority").only("pk", "name", "priority", "organisation_id"))
        context = self.picker_context(scope, groups)
        partial = self.search_partial(context)
        if partial is not None:
            return partial
        contact_query = request.GET.get("contact_q", "").strip()[:100]
        contact_results = search_users(self.organisation, contact_query) if contact_query else None
        if request.htmx and "contact_q" in request.GET:
            return render(
                request,
                "services/_mandatory_search_results.html",
                {
                    "contact_results": contact_results,
                    "contact_query": contact_query,
                    "mandatory_add_url": _scoped_reverse("mandatory_add", scope),
                },
            )
        resolution = resolve_scope(CONTACTS, scope)
        context.update(
            {
                "own_mandatory": list(resolution.own["mandatory_contacts"].values()),
                "own_external": list(resolution.own["external_contacts"].values()),
                "inherited_mandatory": list(zip(*resolution.inherited["mandatory_contacts"], strict=True)),
                "inherited_external": list(zip(*resolution.inherited["external_contacts"], strict=True)),
                "effective_mandatory": list(zip(*resolution.effective["mandatory_contacts"], strict=True)),
                "effective_external": list(zip(*resolution.effective["external_contacts"], strict=True)),
                "contact_query": contact_query,
                "contact_results": contact_results,
                "create_url": _scoped_reverse("contact_create", scope),
                "import_url": _scoped_reverse("contacts_import", scope),
                "mandatory_add_url": _scoped_reverse("mandatory_add", scope),
                "function_number_choices": function_number_contact_choices(self.organisation),
            }
        )
        return render(request, "services/contacts.html", context)

    def post(self, request, **kwargs):
        self.get_scope()  # another organisation's group or user: 404 before anything else
        return HttpResponseNotAllowed(["GET"])


def _scoped_reverse(base, scope):
    """URL of a per-scope contacts action (`base`, `base_group`, `base_user`)."""
    return reverse(f"services:{scope.url_name(base)}", kwargs=scope.url_kwargs())


def _scope_from_kwargs(organisation, kwargs, level):
    pk = kwargs.get("pk")
    if level == GROUP:
        return Scope(organisation, group=get_for_organisation(UserGroup, organisation, pk=pk))
    if level == USER:
        return Scope(organisation, user=get_for_organisation(User, organisation, pk=pk))
    return Scope(organisation)


def _contacts_url(scope):
    return scope_url(CONTACTS, scope)


def _scope_of(obj):
    return Scope(obj.organisation, group=obj.group, user=obj.user)


class ContactFormMixin(ServicesMixin):
    template_name = "services/contact_form.html"

    def forms(self, data=None, instance=None):
        form = ExternalContactForm(data, instance=instance, organisation=self.organisation, user=self.request.user)
        initial = None
        if instance is not None and data is None:
            initial = [
                {"number_type": n.number_type, "number": n.number, "abbreviated": n.abbreviated, "is_preferred": n.is_preferred}
                for n in instance.numbers.all()
            ]
        numbers = ContactNumberFormSet(data, initial=initial, prefix="numbers")
        return form, numbers

    def add_row(self, request, instance=None):
        """"Tilføj telefonnummer" without JavaScript: the same data with one more empty row."""
        data = request.POST.copy()
        try:
            total = int(data.get("numbers-TOTAL_FORMS", "1"))
        except ValueError:
            total = 1
        data["numbers-TOTAL_FORMS"] = str(min(total + 1, 20))
        form, numbers = self.forms(data, instance)
        form._errors = ErrorDict()
        form.cleaned_data = {}
        numbers._errors = []
        numbers._non_form_errors = numbers.error_class()
        for f in numbers.forms:
            f._errors = ErrorDict()
            f.cleaned_data = {}
        return form, numbers

    def save(self, request, form, numbers, do_save):
        if form.is_valid() and numbers.is_valid():
            try:
                contact = do_save(form.cleaned_data, numbers.rows())
            except ValidationError as exc:
                for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                    if field in form.fields:
                        form.add_error(field, errors)
                    else:
                        numbers._non_form_errors = numbers.error_class(errors)
                        if field not in ("numbers",):
                            form.add_error(None, errors)
            else:
                messages.success(request, _("The contact “%(contact)s” was saved.") % {"contact": contact})
                return HttpResponseRedirect(_contacts_url(_scope_of(contact)))
        return None

    def render_form(self, form, numbers, scope, contact=None):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "numbers": numbers,
                "scope": scope,
                "contact": contact,
                "service": CONTACTS,
                "cancel_url": _contacts_url(scope),
                "history_url": history_url(contact),
                "title": _("Edit contact") if contact else _("Create new contact"),
            },
        )


class ContactCreateView(ContactFormMixin, View):
    level = "organisation"

    def get(self, request, **kwargs):
        scope = _scope_from_kwargs(self.organisation, kwargs, self.level)
        form, numbers = self.forms()
        return self.render_form(form, numbers, scope)

    def post(self, request, **kwargs):
        scope = _scope_from_kwargs(self.organisation, kwargs, self.level)
        if "add_number" in request.POST:
            form, numbers = self.add_row(request)
            return self.render_form(form, numbers, scope)
        form, numbers = self.forms(request.POST)
        response = self.save(
            request,
            form,
            numbers,
            lambda data, rows: operations.contact_create(scope=scope, data=data, numbers=rows, by=request.user),
        )
        return response or self.render_form(form, numbers, scope)


class ExternalContactMixin(ServicesMixin):
    def get_contact(self):
        return get_for_organisation(
            ExternalContact.objects.select_related("organisation", "group", "user"), self.organisation, pk=self.kwargs["pk"]
        )


class ContactUpdateView(ExternalContactMixin, ContactFormMixin, View):
    def get(self, request, **kwargs):
        contact = self.get_contact()
        form, numbers = self.forms(instance=contact)
        return self.render_form(form, numbers, _scope_of(contact), contact)

    def post(self, request, **kwargs):
        contact = self.get_contact()
        if "add_number" in request.POST:
            form, numbers = self.add_row(request, contact)
            return self.render_form(form, numbers, _scope_of(contact), contact)
        form, numbers = self.forms(request.POST, instance=contact)
        response = self.save(
            request,
            form,
            numbers,
            lambda data, rows: operations.contact_update(contact=contact, data=data, numbers=rows, by=request.user),
        )
        return response or self.render_form(form, numbers, _scope_of(contact), contact)


class ContactDeleteView(ExternalContactMixin, View):
    def get(self, request, **kwargs):
        contact = self.get_contact()
        return render(request, "generic/confirm_delete.html", {"object": contact, "cancel_url": _contacts_url(_scope_of(contact))})

    def post(self, request, **kwargs):
        contact = self.get_contact()
        scope = _scope_of(contact)
        name = str(contact)
        operations.contact_delete(contact=contact, by=request.user)
        messages.success(request, _("“%(object)s” was deleted.") % {"object": name})
        return HttpResponseRedirect(_contacts_url(scope))


class MandatoryContactAddView(ServicesMixin, View):
    level = "organisation"

    def post(self, request, **kwargs):
        scope = _scope_from_kwargs(self.organisation, kwargs, self.level)
        if "contact_number" in request.POST:
            # SVC-7 (our decision): a function number of the organisation, by its registry row.
            try:
                contact = {
                    "contact_number": function_number_contact_choices(self.organisation).get(
                        pk=int(request.POST["contact_number"])
                    )
                }
            except (Number.DoesNotExist, ValueError):
                messages.error(request, _("Choose a function number of the organisation."))
                return HttpResponseRedirect(_contacts_url(scope))
        else:
            try:
                contact = {"contact_user": scoped(User, self.organisation).get(pk=int(request.POST.get("contact_user", "")))}
            except (User.DoesNotExist, ValueError):
                messages.error(request, _("Choose a user of the organisation."))
                return HttpResponseRedirect(_contacts_url(scope))
        try:
            row = operations.mandatory_contact_add(scope=scope, by=request.user, **contact)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(user)s was added as a mandatory contact.") % {"user": row.label})
        return HttpResponseRedirect(_contacts_url(scope))


class MandatoryContactDeleteView(ServicesMixin, View):
    def get_contact(self):
        return get_for_organisation(
            MandatoryContact.objects.select_related("organisation", "group", "user", "contact_user", "contact_number"),
            self.organisation,
            pk=self.kwargs["pk"],
        )

    def get(self, request, **kwargs):
        contact = self.get_contact()
        return render(request, "generic/confirm_delete.html", {"object": contact, "cancel_url": _contacts_url(_scope_of(contact))})

    def post(self, request, **kwargs):
        contact = self.get_contact()
        scope = _scope_of(contact)
        operations.mandatory_contact_remove(contact=contact, by=request.user)
        messages.success(request, _("“%(object)s” was deleted.") % {"object": contact.label})
        return HttpResponseRedirect(_contacts_url(scope))


class GroupMoveView(ServicesMixin, View):
    """▲/▼ in the scope picker: htmx swaps the priority table; without JS, POST + redirect."""

    permission = permissions.MANAGE_USERS

    def get(self, request, **kwargs):
        raise Http404

    def post(self, request, pk):
        from customers.operations import usergroup_move

        group = get_for_organisation(UserGroup, self.organisation, pk=pk)
        direction = request.POST.get("direction")
        status = ""
        try:
            usergroup_move(group=group, direction=direction, by=request.user)
        except ValidationError as exc:
            status = " ".join(exc.messages)  # htmx: announced in the table's status region
            if not request.htmx:
                messages.error(request, status)
        slug = request.POST.get("service", "")
        try:
            service = get_service(slug)
        except LookupError:
            service = None
        if request.htmx:
            groups = list(scoped(UserGroup, self.organisation).order_by("priority"))
            context = {
                "groups": groups,
                "service": service,
                "may_reorder": True,
                "moved": (group.pk, direction),
                "status": status,
                "next_url": request.POST.get("next", ""),
            }
            scope_group = request.POST.get("current_group")
            context["current_group_id"] = int(scope_group) if scope_group and scope_group.isdigit() else None
            return render(request, "services/_group_priorities.html", context)
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            next_url = reverse("services:service", kwargs={"slug": service.slug}) if service else reverse("services:index")
        return HttpResponseRedirect(next_url)


_PAGE_VIEWS = {
    (kind, level): view.as_view(level=level)
    for kind, view in (("settings", ServiceSettingsView), ("contacts", ContactsPageView))
    for level in ("organisation", GROUP, USER)
}


def service_page(request, slug, level="organisation", pk=None):
    """/services/<slug>/[group|user/<pk>/]: the settings page, or the contacts page for SVC-7."""
    try:
        service = get_service(slug)
    except LookupError:
        raise Http404 from None
    if level not in service.levels:
        raise Http404
    kwargs = {"slug": slug} if pk is None else {"slug": slug, "pk": pk}
    if service.kind == "conversions":
        from services.views_conversions import conversions_page  # imports this module

        return conversions_page(request, level, **kwargs)
    return _PAGE_VIEWS[(service.kind, level)](request, **kwargs)
