"""The small base layer of portal views (ARCHITECTURE.md conventions 3 and 4).

Every portal view inherits PortalMixin: sign-in required, an organisation to act in, and a
permission asked of customers.permissions. Object views fetch through the tenancy helper, so
another organisation's object is a 404. Concrete views set `model`, `form_class` and implement
`perform_save(form)` / `perform_delete(obj)` by calling the app's operations.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import generic

from connect.lib.forms import add_operation_errors
from connect.lib.tenancy import get_for_organisation, scoped
from customers import permissions


def no_access_response(request):
    return TemplateResponse(request, "registration/no_access.html", status=403)


def is_write(request):
    """Does the request change something? Reading is GET, HEAD and OPTIONS; support staff with
    view-only permissions may read but never write (customers.permissions.may(write=...))."""
    return request.method not in ("GET", "HEAD", "OPTIONS")


class PortalMixin(LoginRequiredMixin):
    """Sign-in, organisation and permission for every portal page: `permission` is asked of
    customers.permissions.may, with write=True for requests that change something."""

    permission = permissions.ADMINISTER_ORGANISATION

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.organisation = getattr(request, "organisation", None)
        if self.organisation is None:
            if request.user.is_staff:
                return HttpResponseRedirect("/admin/")
            return no_access_response(request)
        if not self.has_permission():
            return no_access_response(request)
        return super().dispatch(request, *args, **kwargs)

    def has_permission(self):
        return permissions.may(
            self.request.user, self.permission, organisation=self.organisation, write=is_write(self.request)
        )

    def scoped(self, source):
        return scoped(source, self.organisation)

    def get_object_for_organisation(self, source, **lookup):
        return get_for_organisation(source, self.organisation, **lookup)


class ScopedQuerysetMixin(PortalMixin):
    """get_queryset() always narrowed to the request's organisation."""

    model = None

    def get_queryset(self):
        return self.scoped(self.model)


class OrganisationFormKwargsMixin:
    """Forms receive the organisation (to narrow choices) and the acting user."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["organisation"] = self.organisation
        kwargs["user"] = self.request.user
        return kwargs


class OperationFormMixin(OrganisationFormKwargsMixin):
    """form_valid calls perform_save(form); a ValidationError from an operation becomes form errors."""

    success_message = ""

    def perform_save(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.perform_save(form)
        except ValidationError as exc:
            add_operation_errors(form, exc)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": self.object})
        return HttpResponseRedirect(self.get_success_url())


class PortalListView(ScopedQuerysetMixin, generic.ListView):
    template_name = "generic/list.html"
    paginate_by = 50


class PortalCreateView(ScopedQuerysetMixin, OperationFormMixin, generic.CreateView):
    template_name = "generic/form.html"


class PortalUpdateView(ScopedQuerysetMixin, OperationFormMixin, generic.UpdateView):
    template_name = "generic/form.html"


class PortalDeleteView(ScopedQuerysetMixin, generic.DeleteView):
    """The confirmation lists what still refers to the object (connect.lib.references); such an
    object is not offered for deletion, and the operation refuses it anyway."""

    template_name = "generic/confirm_delete.html"
    success_message = ""

    def get_context_data(self, **kwargs):
        from connect.lib.references import references_to

        context = super().get_context_data(**kwargs)
        context["references"] = references_to(self.object)
        return context

    def perform_delete(self, obj):
        raise NotImplementedError

    def form_valid(self, form):
        obj = self.get_object()
        try:
            self.perform_delete(obj)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(self.request, error)
            return HttpResponseRedirect(self.request.path)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": obj})
        else:
            messages.success(self.request, _("“%(object)s” was deleted.") % {"object": obj})
        return HttpResponseRedirect(self.get_success_url())


def require_organisation(request):
    """For function views: the request's organisation or 404."""
    organisation = getattr(request, "organisation", None)
    if organisation is None:
        raise Http404
    return organisation


class ImportUploadView(PortalMixin, generic.View):
    """Upload step of every import (invariant 5): check the file, start the Job, show its page
    (progress, then the preview to confirm). Concrete views set `job_kind`, `task`, `formats`,
    `template_name`, and implement `job_params()` and `extra_context()`."""

    job_kind = None
    task = None
    formats = ("csv", "xlsx")

    def job_params(self):
        return {}

    def extra_context(self):
        return {}

    def job_url(self, job):
        """Where the admin follows the job: the generic job page, or the import's own page."""
        from django.urls import reverse

        return reverse("customers:job_detail", args=[job.pk])

    def recent_jobs(self, kinds):
        from customers.models import Job

        return Job.objects.for_organisation(self.organisation).light().filter(kind__in=kinds).select_related("created_by")[:5]

    def make_form(self, *args):
        from customers.forms.imports import ImportUploadForm

        return ImportUploadForm(*args, formats=self.formats, organisation=self.organisation, user=self.request.user)

    def render_form(self, form):
        return TemplateResponse(self.request, self.template_name, {"form": form, **self.extra_context()})

    def get(self, request, *args, **kwargs):
        return self.render_form(self.make_form())

    def post(self, request, *args, **kwargs):
        from connect.lib.jobs import job_start

        form = self.make_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_form(form)
        upload = form.cleaned_data["file"]
        job = job_start(
            organisation=self.organisation,
            kind=self.job_kind,
            task=self.task,
            by=request.user,
            upload=upload,
            file_name=upload.name,
            file_format=form.file_format,
            params=self.job_params(),
        )
        return HttpResponseRedirect(self.job_url(job))
