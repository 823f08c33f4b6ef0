"""Users import/export (USR-3) and directory synchronisation (USR-1) pages.

Uploading checks the file (connect.lib.imports.check_upload) and starts a Job; the job's page
shows the progress and then the preview to confirm. Exporting starts an export Job of the
current search/filter of the users list.
"""

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View

from connect.lib.jobs import job_start
from connect.lib.views import ImportUploadView, PortalMixin
from customers import permissions
from customers.models import Job
from customers.operations.imports import USER_COLUMNS

SEARCH_PARAMS = ("q", "show", "sort")


def _search_params(data):
    return {k: str(data.get(k, ""))[:300] for k in SEARCH_PARAMS if data.get(k)}


class UsersImportView(ImportUploadView):
    """"Upload eller download flere brugere ad gangen"."""

    permission = permissions.MANAGE_USERS
    template_name = "customers/import_users.html"
    job_kind = Job.Kind.USERS_IMPORT
    task = "customers.users_import"

    def extra_context(self):
        search = _search_params(self.request.GET or self.request.POST)
        return {
            "title": _("Upload or download several users at a time"),
            "columns": [c.header for c in USER_COLUMNS],
            "aliases": [(c.header, ", ".join(c.aliases)) for c in USER_COLUMNS if c.aliases],
            "search": search,
            "cancel_url": reverse("customers:user_list") + (f"?{urlencode(search)}" if search else ""),
            "jobs": self.recent_jobs([Job.Kind.USERS_IMPORT, Job.Kind.USERS_EXPORT]),
        }

    def job_params(self):
        return {"unit": "row", "label_header": "Brugernavn", "back": reverse("customers:user_list")}


class UsersExportView(PortalMixin, View):
    """"Eksporter brugere": an export job of the current search/filter (CSV or XLSX)."""

    permission = permissions.MANAGE_USERS

    def post(self, request):
        fmt = "xlsx" if request.POST.get("format") == "xlsx" else "csv"
        search = _search_params(request.POST)
        job = job_start(
            organisation=self.organisation,
            kind=Job.Kind.USERS_EXPORT,
            task="customers.users_export",
            by=request.user,
            params={**search, "format": fmt, "back": reverse("customers:user_list") + (f"?{urlencode(search)}" if search else "")},
            stage=Job.Stage.RUN,
        )
        return HttpResponseRedirect(reverse("customers:job_detail", args=[job.pk]))


class DirectorySyncView(ImportUploadView):
    """"Adressekartoteksynkronisering": upload an LDIF export of Active Directory."""

    permission = permissions.MANAGE_USERS
    template_name = "customers/import_directory.html"
    job_kind = Job.Kind.DIRECTORY_SYNC
    task = "customers.directory_sync"
    formats = ("ldif",)

    def extra_context(self):
        return {
            "title": _("Directory synchronization"),
            "cancel_url": reverse("customers:user_list"),
            "jobs": self.recent_jobs([Job.Kind.DIRECTORY_SYNC]),
        }

    def job_params(self):
        return {"unit": "line", "label_header": "userPrincipalName", "back": reverse("customers:directory_sync")}


users_import = UsersImportView.as_view()
users_export = UsersExportView.as_view()
directory_sync = DirectorySyncView.as_view()
