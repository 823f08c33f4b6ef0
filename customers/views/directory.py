"""Directory fields (USR-17, "Kontaktfelter") and their moderation queue (USR-18)."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from connect.lib.forms import add_operation_errors
from connect.lib.views import PortalMixin, is_write
from customers import permissions
from customers.forms.users import DirectoryFieldsForm, ModerationForm
from customers.models import DirectoryField, DirectoryFieldValue
from customers.models.users import DirectoryFieldProposal
from customers.operations.directory import (
    directory_proposal_approve,
    directory_proposal_reject,
    directoryfield_add,
    directoryfields_update,
)


class DirectoryFieldsView(PortalMixin, View):
    """The Kontaktfelter table: Felt-id | Navn | Kan søges efter | Felttype; Gem / Annuller."""

    permission = permissions.MANAGE_USERS

    def render(self, form, status=200):
        context = {"form": form, "field_content_type": ContentType.objects.get_for_model(DirectoryField)}
        return render(self.request, "customers/directory_fields.html", context, status=status)

    def get(self, request):
        return self.render(DirectoryFieldsForm(organisation=self.organisation, user=request.user))

    def post(self, request):
        form = DirectoryFieldsForm(request.POST, organisation=self.organisation, user=request.user)
        if form.is_valid():
            try:
                directoryfields_update(organisation=self.organisation, rows=form.cleaned_rows(), by=request.user)
            except ValidationError as exc:
                add_operation_errors(form, exc)
            else:
                messages.success(request, _("The directory fields were saved."))
                return HttpResponseRedirect(reverse("customers:directory_fields"))
        return self.render(form)


class DirectoryFieldAddView(PortalMixin, View):
    """"+ Tilføj et nyt felt"."""

    permission = permissions.MANAGE_USERS

    def post(self, request):
        try:
            field = directoryfield_add(organisation=self.organisation, by=request.user)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        else:
            messages.success(request, _("The field “%(field)s” was added.") % {"field": field.default_label})
        return HttpResponseRedirect(reverse("customers:directory_fields"))


class ModerationView(PortalMixin, View):
    """Proposed directory values waiting for approval, for the users this moderator may moderate."""

    def has_permission(self):
        write = is_write(self.request)
        return permissions.may_moderate_directory(self.request.user, self.organisation, write=write)

    def queryset(self):
        write = is_write(self.request)
        users = permissions.directory_moderation_users(self.request.user, self.organisation, write=write)
        current = DirectoryFieldValue.objects.filter(user=OuterRef("user"), field=OuterRef("field")).values("value")[:1]
        return (
            DirectoryFieldProposal.objects.for_organisation(self.organisation)
            .filter(user__in=users)
            .select_related("user", "field", "proposed_by")
            .annotate(current_value=Subquery(current))
            .order_by("created_at", "pk")
        )

    def get(self, request):
        return render(request, "customers/directory_moderation.html", {"proposals": list(self.queryset())})

    def post(self, request):
        form = ModerationForm(request.POST, queryset=self.queryset())
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(reverse("customers:directory_moderation"))
        proposals = list(form.cleaned_data["proposals"])
        approve = form.cleaned_data["decision"] == "approve"
        operation = directory_proposal_approve if approve else directory_proposal_reject
        try:
            with transaction.atomic():
                for proposal in proposals:
                    operation(proposal=proposal, by=request.user)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        else:
            count = len(proposals)
            if approve:
                text = ngettext("%(count)d change was approved.", "%(count)d changes were approved.", count)
            else:
                text = ngettext("%(count)d change was rejected.", "%(count)d changes were rejected.", count)
            messages.success(request, text % {"count": count})
        return HttpResponseRedirect(reverse("customers:directory_moderation"))


directory_fields = DirectoryFieldsView.as_view()
directory_field_add = DirectoryFieldAddView.as_view()
directory_moderation = ModerationView.as_view()
