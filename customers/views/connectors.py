"""Organisation → Kalenderforbindelser (ORG-3) and Licensbrug (ORG-4)."""

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from connect.lib.jobs import job_start
from connect.lib.views import (
    PortalCreateView,
    PortalDeleteView,
    PortalListView,
    PortalMixin,
    PortalUpdateView,
    ScopedQuerysetMixin,
)
from customers import operations, permissions
from customers.forms.connectors import ConnectorForm
from customers.models import CalendarConnector, Job
from customers.queries_licences import licence_usage
from customers.views.numbers import history_url

# --- Calendar connectors (ORG-3) -----------------------------------------------------------------


class ConnectorListView(PortalListView):
    model = CalendarConnector
    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/connector_list.html"
    paginate_by = None

    def get_queryset(self):
        return super().get_queryset().annotate(user_count=Count("users")).order_by("name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"title": _("Calendar connectors"), "create_url": reverse("customers:connector_create")})
        return context


class ConnectorFormMixin:
    model = CalendarConnector
    form_class = ConnectorForm
    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/connector_form.html"
    success_url = reverse_lazy("customers:connector_list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("customers:connector_list")
        if getattr(self, "object", None) is not None and self.object.pk:
            context["history_url"] = history_url(self.object)
            context["delete_url"] = reverse("customers:connector_delete", args=[self.object.pk])
            context["test_url"] = reverse("customers:connector_test", args=[self.object.pk])
        return context


class ConnectorCreateView(ConnectorFormMixin, PortalCreateView):
    success_message = gettext_lazy("The calendar connector “%(object)s” was created.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("New calendar connector")}

    def get_success_url(self):
        return reverse("customers:connector_update", args=[self.object.pk])  # where "Test connection" is

    def perform_save(self, form):
        return operations.connector_create(organisation=self.organisation, by=self.request.user, **form.operation_fields())


class ConnectorUpdateView(ConnectorFormMixin, PortalUpdateView):
    success_message = gettext_lazy("The calendar connector “%(object)s” was saved.")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": _("Calendar connector “%(name)s”") % {"name": self.object}}

    def perform_save(self, form):
        return operations.connector_update(connector=self.object, by=self.request.user, **form.operation_fields())


class ConnectorDeleteView(PortalDeleteView):
    model = CalendarConnector
    permission = permissions.ADMINISTER_ORGANISATION
    success_url = reverse_lazy("customers:connector_list")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "cancel_url": reverse("customers:connector_list")}

    def perform_delete(self, obj):
        operations.connector_delete(connector=obj, by=self.request.user)


class ConnectorTestView(ScopedQuerysetMixin, View):
    """"Test forbindelse": one real request to the saved server; the answer in plain words."""

    model = CalendarConnector
    permission = permissions.ADMINISTER_ORGANISATION

    def post(self, request, pk):
        connector = self.get_object_for_organisation(CalendarConnector, pk=pk)
        result = operations.connector_test(connector=connector)
        (messages.success if result.ok else messages.error)(request, result.message)
        return HttpResponseRedirect(reverse("customers:connector_update", args=[connector.pk]))


# --- Licence usage (ORG-4) -----------------------------------------------------------------------


class LicenceUsageView(PortalMixin, View):
    """"Licensbrug": the licence types with their use and quota, and the report as a job."""

    permission = permissions.ADMINISTER_ORGANISATION
    template_name = "customers/licence_usage.html"

    def get(self, request):
        jobs = Job.objects.for_organisation(self.organisation).light().filter(kind=Job.Kind.LICENCE_REPORT).select_related("created_by")[:5]
        context = {"title": _("Licence usage"), "rows": licence_usage(self.organisation), "jobs": jobs}
        return TemplateResponse(request, self.template_name, context)

    def post(self, request):
        fmt = "xlsx" if request.POST.get("format") == "xlsx" else "csv"
        job = job_start(
            organisation=self.organisation,
            kind=Job.Kind.LICENCE_REPORT,
            task="customers.licence_report",
            by=request.user,
            params={"format": fmt, "back": reverse("customers:licence_usage")},
            stage=Job.Stage.RUN,
        )
        return HttpResponseRedirect(reverse("customers:job_detail", args=[job.pk]))


connector_list = ConnectorListView.as_view()
connector_create = ConnectorCreateView.as_view()
connector_update = ConnectorUpdateView.as_view()
connector_delete = ConnectorDeleteView.as_view()
connector_test = ConnectorTestView.as_view()
licence_usage_view = LicenceUsageView.as_view()
