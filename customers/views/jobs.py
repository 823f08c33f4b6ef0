"""Jobs pages (ARCHITECTURE.md invariant 5): a job's page with its live progress bar (htmx polls
`_job_progress.html`), the import preview with confirm / cancel, the downloadable error report
and export file, and the list of the organisation's jobs (a finished job can be reopened).

Generic for every kind of job; other apps link to `customers:job_detail` after `job_start`.
Every view fetches the job through the tenancy helper: another organisation's job is a 404.
"""

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views import View

from connect.lib.i18n import message_text
from connect.lib.imports import Action, Column, format_row_error, write_csv
from connect.lib.jobs import job_cancel, job_confirm, job_report_rows
from connect.lib.views import PortalMixin, is_write
from customers import permissions
from customers.models import Job

PREVIEW_PAGE_SIZE = 100
FILTER_WARNINGS = "warning"  # the preview filter of rows with warnings (next to the actions)


# The section a job belongs to: seeing it and confirming or cancelling it ask that section's
# permission (support staff: its Django permissions). The list of jobs is an organisation page.
JOB_SECTIONS = {Job.Kind.PHONES_IMPORT: permissions.MANAGE_DEVICES, Job.Kind.CONTACTS_IMPORT: permissions.MANAGE_SERVICES}
# Jobs with a page of their own (the contacts import maps the file's columns on its preview).
JOB_PAGES = {Job.Kind.CONTACTS_IMPORT: "services:contacts_import_job"}


class JobMixin(PortalMixin):
    def has_permission(self):
        pk = self.kwargs.get("pk")
        if pk is None:
            return super().has_permission()
        kind = self.scoped(Job).filter(pk=pk).values_list("kind", flat=True).first()
        section = JOB_SECTIONS.get(kind, permissions.MANAGE_USERS)  # an unknown pk 404s in get_job
        write = is_write(self.request)
        return permissions.may(self.request.user, section, organisation=self.organisation, write=write)

    def get_job(self, pk, light=False):
        source = Job.objects.light() if light else Job.objects.all()
        return self.get_object_for_organisation(source.select_related("created_by"), pk=pk)


def back_url(job, request=None):
    back = (job.params or {}).get("back") or ""
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts=None) and back.startswith("/"):
        return back
    return reverse("customers:job_list")


def unit_of(job):
    return "line" if (job.params or {}).get("unit") == "line" else "row"


def _shown_row(row):
    """A stored preview row with its messages in the reader's language."""

    def problems(items):
        return [{"column": p.get("column", ""), "message": message_text(p.get("message"))} for p in items or []]

    return {
        **row,
        "errors": problems(row.get("errors")),
        "warnings": problems(row.get("warnings")),
        "notes": [message_text(note) for note in row.get("notes") or []],
    }


class JobDetailView(JobMixin, View):
    def get(self, request, pk):
        job = self.get_job(pk)
        if job.kind in JOB_PAGES:
            return HttpResponseRedirect(reverse(JOB_PAGES[job.kind], args=[job.pk]))
        show = request.GET.get("show", "")
        if show not in (*Action.ALL, FILTER_WARNINGS):
            show = ""
        rows = job.preview or []
        if show == FILTER_WARNINGS:
            rows = [r for r in rows if r.get("warnings")]
        elif show:
            rows = [r for r in rows if r.get("action") == show]
        page = Paginator(rows, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
        unit = unit_of(job)
        counts = job.counts or {}
        filters = [("", _("All"), counts.get("total", len(job.preview or [])))] + [
            (action, str(Action.LABELS[action]), counts.get(action, 0)) for action in Action.ALL
        ]
        if counts.get(FILTER_WARNINGS):
            filters.append((FILTER_WARNINGS, _("With warnings"), counts[FILTER_WARNINGS]))
        warnings = job.warnings or []
        context = {
            "job": job,
            "page_obj": page,
            "rows": [_shown_row(row) for row in page.object_list],
            "show": show,
            "filters": filters,
            "query_string": urlencode({"show": show}) if show else "",
            "unit": unit,
            "error_messages": [format_row_error(e, unit) for e in (job.errors or [])[:20]],
            "more_errors": max(0, len(job.errors or []) - 20),
            "warning_messages": [format_row_error(w, unit) for w in warnings[:20]],
            "more_warnings": max(0, len(warnings) - 20),
            "back_url": back_url(job),
            "action_labels": Action.LABELS,
            "label_header": (job.params or {}).get("label_header", ""),
        }
        return render(request, "customers/job_detail.html", context)


class JobProgressView(JobMixin, View):
    """The progress partial, polled by htmx while the job runs; when the job has left the queue
    the response tells htmx to reload the page (which then shows the preview or the result)."""

    def get(self, request, pk):
        job = self.get_job(pk, light=True)
        response = render(request, "generic/_job_progress.html", {"job": job})
        if not job.is_active and request.headers.get("HX-Request") and request.GET.get("poll"):
            response["HX-Refresh"] = "true"
        return response


class JobConfirmView(JobMixin, View):
    def post(self, request, pk):
        job = self.get_job(pk, light=True)
        try:
            job_confirm(job=job, by=request.user)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        return HttpResponseRedirect(reverse("customers:job_detail", args=[job.pk]))


class JobCancelView(JobMixin, View):
    def post(self, request, pk):
        job = self.get_job(pk, light=True)
        try:
            job_cancel(job=job, by=request.user)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
            return HttpResponseRedirect(reverse("customers:job_detail", args=[job.pk]))
        messages.info(request, _("The import was cancelled. Nothing was saved."))
        return HttpResponseRedirect(back_url(job))


class JobErrorReportView(JobMixin, View):
    """The job's errors and warnings as CSV, in the reader's language: kind, row/line, column,
    message, and the full sentence."""

    def get(self, request, pk):
        job = self.get_job(pk)
        if not job.errors and not job.warnings:
            raise Http404
        unit = unit_of(job)
        columns = [
            Column("kind", _("Type")),
            Column("number", _("Line") if unit == "line" else _("Row")),
            Column("column", _("Column")),
            Column("message", _("Problem")),
            Column("text", _("Message")),
        ]
        kinds = {"error": _("Error"), "warning": _("Warning")}
        rows = ({**row, "kind": kinds[row["kind"]]} for row in job_report_rows(job))
        buffer = io.BytesIO()
        write_csv(buffer, columns, rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        name = _("errors")
        response["Content-Disposition"] = f'attachment; filename="{name}-{job.pk}.csv"'
        return response


class JobDownloadView(JobMixin, View):
    """The result file of a finished export."""

    def get(self, request, pk):
        job = self.get_job(pk, light=True)
        if job.status != Job.Status.SUCCEEDED or not job.result_file:
            raise Http404
        ext = job.result_file.name.rsplit(".", 1)[-1]
        filename = job.file_name or f"export-{job.pk}.{ext}"
        content_type = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if ext == "xlsx" else "text/csv; charset=utf-8"
        )
        try:
            handle = job.result_file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


class JobListView(JobMixin, View):
    def get(self, request):
        jobs = self.scoped(Job).light().select_related("created_by")
        page = Paginator(jobs, 25).get_page(request.GET.get("page"))
        return render(request, "customers/job_list.html", {"page_obj": page, "jobs": page.object_list})


job_detail = JobDetailView.as_view()
job_progress = JobProgressView.as_view()
job_confirm_view = JobConfirmView.as_view()
job_cancel_view = JobCancelView.as_view()
job_errors = JobErrorReportView.as_view()
job_download = JobDownloadView.as_view()
job_list = JobListView.as_view()
