"""SVC-7 "Importer kontakter": the upload page per scope and the import's own job page.

The upload starts a contacts import Job (connect.lib.jobs) and leads to the job's page here:
the live progress, then the imported contacts ("Importerede kontakter"), the mapping of the
contact fields ("Oversigtfelter") to the file's columns ("Position i filen"), and "Gem", which
saves every contact in one transaction. Nothing is written before "Gem". Jobs are fetched
through the tenancy helper: another organisation's job, group or user is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from connect.lib.i18n import message_text
from connect.lib.imports import format_row_error
from connect.lib.jobs import job_cancel, job_confirm, job_preview_again
from connect.lib.uploads import limited_upload, reads_its_own_upload
from connect.lib.views import ImportUploadView
from customers import permissions
from customers.models import Job
from services.contacts_import import COLUMNS, LABELS
from services.definitions import CONTACTS
from services.import_forms import ContactsMappingForm, ContactsUploadForm
from services.views import ServicesMixin, _scope_from_kwargs, scope_url

PAGE_SIZE = 100


@reads_its_own_upload
@method_decorator(limited_upload(lambda: settings.IMPORT_MAX_BYTES), name="dispatch")
class ContactsImportView(ImportUploadView):
    """ "Importer kontakter": choose the file; the job previews it."""

    permission = permissions.MANAGE_SERVICES
    template_name = "services/contacts_import.html"
    job_kind = Job.Kind.CONTACTS_IMPORT
    task = "services.contacts_import"
    formats = ("csv",)
    level = "organisation"

    def dispatch(self, request, *args, **kwargs):
        self.scope = None
        return super().dispatch(request, *args, **kwargs)

    def get_scope(self):
        if self.scope is None:
            self.scope = _scope_from_kwargs(self.organisation, self.kwargs, self.level)
        return self.scope

    def make_form(self, *args):
        self.get_scope()  # another organisation's group or user: 404 before the file is looked at
        return ContactsUploadForm(*args, too_large=getattr(self.request, "upload_too_large", False))

    def extra_context(self):
        scope = self.get_scope()
        return {
            "title": _("Import contacts"),
            "submit_label": _("Import contacts"),
            "scope": scope,
            "cancel_url": scope_url(CONTACTS, scope),
            "fields": [LABELS[c.key] for c in COLUMNS],
            "recent": self.recent_jobs([Job.Kind.CONTACTS_IMPORT]),
        }

    def job_params(self):
        scope = self.get_scope()
        owner = scope.group or scope.user
        return {
            "level": scope.level,
            "scope": owner.pk if owner is not None else None,
            "scope_name": scope.name,
            "unit": "row",
            "back": scope_url(CONTACTS, scope),
        }

    def job_url(self, job):
        return reverse("services:contacts_import_job", args=[job.pk])


class ContactsImportJobView(ServicesMixin, View):
    """The contacts import's page: progress, preview with the column mapping, "Gem"."""

    def get_job(self):
        return self.get_object_for_organisation(
            Job.objects.select_related("created_by"), pk=self.kwargs["pk"]
        )

    def get(self, request, pk):
        job = self.get_job()
        if job.kind != Job.Kind.CONTACTS_IMPORT:
            return HttpResponseRedirect(reverse("customers:job_detail", args=[job.pk]))
        form = (
            ContactsMappingForm(layout=(job.params or {}).get("layout") or {})
            if self._layout(job)
            else None
        )
        return self.render_page(job, form)

    def post(self, request, pk):
        job = self.get_job()
        if job.kind != Job.Kind.CONTACTS_IMPORT:
            return HttpResponseRedirect(reverse("customers:job_detail", args=[job.pk]))
        here = reverse("services:contacts_import_job", args=[job.pk])
        action = request.POST.get("action")
        try:
            if action == "cancel":
                job_cancel(job=job, by=request.user)
                messages.info(request, _("The import was cancelled. Nothing was saved."))
                return HttpResponseRedirect(self._back(job))
            if action not in ("preview", "save") or not self._layout(job):
                return HttpResponseRedirect(here)
            form = ContactsMappingForm(request.POST, layout=job.params["layout"])
            if not form.is_valid():
                return self.render_page(job, form)
            params = form.params(job.params)
            if action == "preview" or self._changed(job, params):
                job_preview_again(job=job, by=request.user, params=params)
                if action == "save":
                    messages.warning(
                        request,
                        _(
                            "The column mapping was changed, so nothing was saved yet. Check the new preview and save again."
                        ),
                    )
            else:
                job_confirm(job=job, by=request.user)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        return HttpResponseRedirect(here)

    @staticmethod
    def _layout(job):
        return job.status == Job.Status.PREVIEW and bool((job.params or {}).get("layout"))

    @staticmethod
    def _changed(job, params):
        layout = job.params["layout"]
        return params["mapping"] != layout.get("mapping") or params["has_header"] != bool(
            layout.get("has_header")
        )

    @staticmethod
    def _back(job):
        back = (job.params or {}).get("back") or ""
        return (
            back
            if back.startswith("/") and not back.startswith("//")
            else reverse("services:service", args=["contacts"])
        )

    def render_page(self, job, form):
        layout = (job.params or {}).get("layout") or {}
        mapping = layout.get("mapping") or {}
        shown = [c for c in COLUMNS if c.key in mapping]
        page = Paginator(job.preview or [], PAGE_SIZE).get_page(self.request.GET.get("page"))
        rows = []
        for row in page.object_list:
            changes = row.get("changes") or {}
            rows.append(
                {
                    "number": row.get("number"),
                    "action": row.get("action"),
                    "values": [(changes.get(c.header) or [None, ""])[1] for c in shown],
                    "errors": [
                        (p.get("column", ""), message_text(p.get("message")))
                        for p in row.get("errors") or []
                    ],
                    "warnings": [
                        (p.get("column", ""), message_text(p.get("message")))
                        for p in row.get("warnings") or []
                    ],
                    "notes": [message_text(n) for n in row.get("notes") or []],
                }
            )
        errors = job.errors or []
        context = {
            "job": job,
            "title": _("Import contacts"),
            "scope_name": (job.params or {}).get("scope_name", ""),
            "form": form,
            "headers": [LABELS[c.key] for c in shown],
            "rows": rows,
            "page_obj": page,
            "counts": job.counts or {},
            "error_messages": [format_row_error(e) for e in errors[:20]],
            "more_errors": max(0, len(errors) - 20),
            "back_url": self._back(job),
        }
        return render(self.request, "services/contacts_import_job.html", context)
