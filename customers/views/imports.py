"""Users import/export (USR-3) and directory synchronisation (USR-1) pages.

Uploading checks the file (connect.lib.imports.check_upload) and starts a Job; the job's page
shows the progress and then the preview to confirm. Exporting starts an export Job of the
current search/filter of the users list.
"""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View

from connect.lib.jobs import job_start
from connect.lib.views import PortalMixin
from customers import permissions
from customers.forms.imports import ImportUploadForm
from customers.models import Job
from customers.operations.imports import USER_COLUMNS

SEARCH_PARAMS = ("q", "show", "sort")


def _search_params(data):
    return {k: str(data.get(k, ""))[:300] for k in SEARCH_PARAMS if data.get(k)}


class UsersImportView(PortalMixin, View):
    """"Upload eller download flere brugere ad gangen"."""

    permission = permissions.MANAGE_USERS
    template_name = "customers/import_users.html"

    def context(self, form):
        search = _search_params(self.request.GET or self.request.POST)
        return {
            "form": form,
            "title": _("Upload or download several users at a time"),
            "columns": [c.header for c in USER_COLUMNS],
            "aliases": [(c.header, ", ".join(c.aliases)) for c in USER_COLUMNS if c.aliases],
            "search": search,
            "cancel_url": reverse("customers:user_list") + (f"?{urlencode(search)}" if search else ""),
            "jobs": Job.objects.for_organisation(self.organisation)
            .light()
            .filter(kind__in=[Job.Kind.USERS_IMPORT, Job.Kind.USERS_EXPORT])
            .select_related("created_by")[:5],
        }

    def get(self, request):
        form = ImportUploadForm(formats=("csv", "xlsx"), organisation=self.organisation, user=request.user)
        return render(request, self.template_name, self.context(form))

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES, formats=("csv", "xlsx"), organisation=self.organisation, user=request.user)
        if not form.is_valid():
            return render(request, self.template_name, self.context(form))
        upload = form.cleaned_data["file"]
        job = job_start(
            organisation=self.organisation,
            kind=Job.Kind.USERS_IMPORT,
            task="customers.users_import",
            by=request.user,
            upload=upload,
            file_name=upload.name,
            file_format=form.file_format,
            params={"unit": "row", "label_header": "Brugernavn", "back": reverse("customers:user_list")},
        )
        return HttpResponseRedirect(reverse("customers:job_detail", args=[job.pk]))


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


class DirectorySyncView(PortalMixin, View):
    """"Adressekartoteksynkronisering": upload an LDIF export of Active Directory."""

    permission = permissions.MANAGE_USERS
    template_name = "customers/import_directory.html"

    def context(self, form):
        return {
            "form": form,
            "title": _("Directory synchronization"),
            "cancel_url": reverse("customers:user_list"),
            "jobs": Job.objects.for_organisation(self.organisation).light().filter(kind=Job.Kind.DIRECTORY_SYNC).select_related("created_by")[:5],
        }

    def get(self, request):
        form = ImportUploadForm(formats=("ldif",), organisation=self.organisation, user=request.user)
        return render(request, self.template_name, self.context(form))

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES, formats=("ldif",), organisation=self.organisation, user=request.user)
        if not form.is_valid():
            return render(request, self.template_name, self.context(form))
        upload = form.cleaned_data["file"]
        job = job_start(
            organisation=self.organisation,
            kind=Job.Kind.DIRECTORY_SYNC,
            task="customers.directory_sync",
            by=request.user,
            upload=upload,
            file_name=upload.name,
            file_format="ldif",
            params={"unit": "line", "label_header": "userPrincipalName", "back": reverse("customers:directory_sync")},
        )
        return HttpResponseRedirect(reverse("customers:job_detail", args=[job.pk]))


users_import = UsersImportView.as_view()
users_export = UsersExportView.as_view()
directory_sync = DirectorySyncView.as_view()
