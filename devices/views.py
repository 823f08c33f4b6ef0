"""Enheder → SIP-telefoner (DEV-1..4): the phones page, a phone's page, edit, delete, keys.

Every object is fetched through the tenancy helper (another organisation's phone is a 404) and
every write calls devices.operations.
"""

import logging

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template import TemplateDoesNotExist, engines
from django.template.loader import get_template
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from connect.lib.forms import add_operation_errors
from connect.lib.views import ImportUploadView, PortalMixin
from customers import permissions
from customers.models import Job, User
from devices import catalog, operations, queries
from devices.forms import KeysForm, PhoneFilterForm, PhoneForm
from devices.imports import PHONE_COLUMNS
from devices.models import Phone

log = logging.getLogger("connect.devices")

PAGE_SIZE = 50


class DevicesMixin(PortalMixin):
    permission = permissions.MANAGE_DEVICES

    def get_phone(self):
        return self.get_object_for_organisation(Phone.objects.select_related("user", "seated_user"), pk=self.kwargs["pk"])


def provisioning_panel_available():
    """True when the provisioning app provides its panel (template and template tag library).

    devices never imports provisioning; the page includes the panel only if it exists.
    """
    try:
        get_template("provisioning/_ticket_panel.html")
    except TemplateDoesNotExist:
        return False
    engine = engines["django"].engine
    return "provisioning_tags" in engine.template_libraries


def history_url(obj):
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return reverse("customers:history", args=[ct.pk, str(obj.pk)])


class PhoneListView(DevicesMixin, View):
    """DEV-1: supported models, provisioning URLs and "Forny billet", and the phone list (DEV-3)."""

    def get(self, request):
        filters = PhoneFilterForm(request.GET or None)
        state, search = filters.filters()
        phones = queries.phone_list(self.organisation, state=state, search=search)
        page = Paginator(phones, PAGE_SIZE).get_page(request.GET.get("page"))
        query = {k: v for k, v in (("state", state), ("q", search)) if v}
        counts = queries.state_counts(self.organisation)
        context = {
            "title": _("SIP phones"),
            "filter_form": filters,
            "page_obj": page,
            "phones": page.object_list,
            "query_string": urlencode(query),
            "filtered": bool(query),
            "state_options": [
                (value, label, counts.get(value, 0)) for value, label in Phone.State.choices
            ],
            "models": catalog.PHONE_MODELS,
            "expansion_modules": catalog.EXPANSION_MODULES,
            "mitel_models": [m for m in catalog.PHONE_MODELS if m.vendor == catalog.Vendor.MITEL],
            "snom_models": [m for m in catalog.PHONE_MODELS if m.vendor == catalog.Vendor.SNOM],
            "provisioning_panel": provisioning_panel_available(),
            "import_url": reverse("devices:phone_import"),
        }
        if request.htmx and request.htmx.target == "phone-list":
            return render(request, "devices/_phone_table.html", context)
        return render(request, "devices/phone_list.html", context)


class PhoneCreateView(DevicesMixin, FormView):
    form_class = PhoneForm
    template_name = "devices/phone_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organisation": self.organisation, "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("New SIP phone"), cancel_url=reverse("devices:phone_list"), **kwargs)

    def form_valid(self, form):
        try:
            phone = operations.phone_create(organisation=self.organisation, by=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_operation_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The phone %(mac)s was added.") % {"mac": phone.mac})
        return HttpResponseRedirect(reverse("devices:phone_keys", args=[phone.pk]))


class PhoneDetailView(DevicesMixin, View):
    """A phone's page: its data, "sidst set" (the latest fetches) and the actions."""

    def get(self, request, pk):
        phone = self.get_phone()
        return render(
            request,
            "devices/phone_detail.html",
            {
                "title": _("SIP phone %(mac)s") % {"mac": phone.mac},
                "phone": phone,
                "fetches": queries.latest_fetches(phone),
                "history_url": history_url(phone),
                "key_count": len(phone.key_slots()),
            },
        )


class PhoneUpdateView(DevicesMixin, FormView):
    form_class = PhoneForm
    template_name = "devices/phone_form.html"

    @cached_property
    def phone(self):
        return self.get_phone()

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "organisation": self.organisation,
            "user": self.request.user,
            "instance": self.phone,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Edit SIP phone %(mac)s") % {"mac": self.phone.mac},
            phone=self.phone,
            history_url=history_url(self.phone),
            cancel_url=reverse("devices:phone_detail", args=[self.phone.pk]),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            operations.phone_update(phone=self.phone, by=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_operation_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The phone was saved."))
        return HttpResponseRedirect(reverse("devices:phone_detail", args=[self.phone.pk]))


class PhoneDeleteView(DevicesMixin, View):
    def get(self, request, pk):
        phone = self.get_phone()
        return render(
            request,
            "devices/phone_confirm_delete.html",
            {"object": phone, "phone": phone, "cancel_url": reverse("devices:phone_detail", args=[phone.pk])},
        )

    def post(self, request, pk):
        phone = self.get_phone()
        operations.phone_delete(phone=phone, by=request.user)
        messages.success(request, _("The phone %(mac)s was deleted.") % {"mac": phone.mac})
        return HttpResponseRedirect(reverse("devices:phone_list"))


class PhoneKeysView(DevicesMixin, View):
    """DEV-4: "Funktionstaster", user on line 1, free seating; "Gem" and, for Mitel, "Gem og genindlæs"."""

    template_name = "devices/phone_keys.html"

    def context(self, phone, form):
        return {
            "title": _("Function keys of %(mac)s") % {"mac": phone.mac},
            "phone": phone,
            "form": form,
            "history_url": history_url(phone),
            "cancel_url": reverse("devices:phone_detail", args=[phone.pk]),
            "can_reload": phone.is_mitel,
        }

    def get(self, request, pk):
        phone = self.get_phone()
        form = KeysForm(phone=phone, organisation=self.organisation, user=request.user)
        return render(request, self.template_name, self.context(phone, form))

    def post(self, request, pk):
        phone = self.get_phone()
        form = KeysForm(request.POST, phone=phone, organisation=self.organisation, user=request.user)
        if form.is_valid():
            try:
                with transaction.atomic():
                    free_seating = form.cleaned_data["free_seating"]
                    if not free_seating:
                        operations.phone_set_free_seating(phone=phone, enabled=False, by=request.user)
                        operations.phone_assign_user(phone=phone, user=form.line1, by=request.user)
                    else:
                        operations.phone_set_free_seating(phone=phone, enabled=True, by=request.user)
                    operations.phone_set_keys(phone=phone, keys=form.key_specs, by=request.user)
            except ValidationError as exc:
                add_operation_errors(form, exc)
            else:
                if "reload" in request.POST and phone.is_mitel:
                    self.request_reload(phone)
                else:
                    messages.success(request, _("The keys were saved. Restart the phone to use them."))
                return HttpResponseRedirect(reverse("devices:phone_keys", args=[phone.pk]))
        phone.refresh_from_db()
        return render(request, self.template_name, self.context(phone, form), status=200)

    def request_reload(self, phone):
        from devices.tasks import phone_check_sync

        if not phone.last_ip:
            messages.warning(
                self.request,
                _("The keys were saved. The phone has not fetched its configuration yet, so it cannot be asked to reload: restart it."),
            )
            return
        transaction.on_commit(lambda: phone_check_sync.delay(phone.pk))
        messages.success(
            self.request, _("The keys were saved and the phone was asked to fetch its new configuration.")
        )


class UserSearchView(DevicesMixin, View):
    """htmx: the organisation's users matching `q`, as buttons that fill the user field."""

    LIMIT = 10

    def get(self, request):
        field = request.GET.get("field", "")
        if not _valid_field_name(field):
            raise Http404
        text = (request.GET.get(field) or request.GET.get("q") or "").strip()[:100]
        users = []
        if text:
            users = list(queries.search_users(self.organisation, text, limit=self.LIMIT + 1))
        return render(
            request,
            "devices/_user_results.html",
            {"users": users[: self.LIMIT], "more": len(users) > self.LIMIT, "field": field, "q": text},
        )


class UserPickView(DevicesMixin, View):
    """htmx: the user field filled with the chosen user (and the search results cleared)."""

    def get(self, request):
        field = request.GET.get("field", "")
        if not _valid_field_name(field):
            raise Http404
        user_id = request.GET.get("user", "")
        if not user_id.isascii() or not user_id.isdigit() or len(user_id) > 18:
            raise Http404
        user = self.get_object_for_organisation(User, pk=int(user_id))
        return render(request, "devices/_user_picked.html", {"field": field, "picked": user})


def _valid_field_name(name):
    if name == "line1_user":
        return True
    parts = name.split("_")
    return len(parts) == 3 and parts[0] == "key" and parts[1].isdigit() and parts[2] == "user" and len(name) < 20


phone_list = PhoneListView.as_view()
phone_create = PhoneCreateView.as_view()
phone_detail = PhoneDetailView.as_view()
phone_update = PhoneUpdateView.as_view()
phone_delete = PhoneDeleteView.as_view()
phone_keys = PhoneKeysView.as_view()
user_search = UserSearchView.as_view()
user_pick = UserPickView.as_view()


class PhoneImportView(ImportUploadView):
    """DEV-3 phone upload: the file is checked, then the shared job flow shows the preview
    (customers:job_detail) and writes everything in one transaction after confirmation."""

    permission = permissions.MANAGE_DEVICES
    template_name = "devices/phone_import.html"
    job_kind = Job.Kind.PHONES_IMPORT
    task = "devices.phones_import"

    def extra_context(self):
        return {
            "title": _("Upload phones"),
            "columns": PHONE_COLUMNS,
            "cancel_url": reverse("devices:phone_list"),
            "jobs": self.recent_jobs([Job.Kind.PHONES_IMPORT]),
        }

    def job_params(self):
        return {"unit": "row", "back": reverse("devices:phone_list")}


phone_import = PhoneImportView.as_view()
