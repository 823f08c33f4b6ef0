"""Funktionsnumre → Tidsplaner (FN-10): the list of function numbers with their state now, one
schedule page per function number, the event form, the default event and "Tilføj helligdage".

Who may: customers.permissions.may(user, EDIT_SCHEDULE, obj=function number): OrgAdmins,
members of Planadministrator groups and the function number's group administrators (SET-5).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views import View

from connect.lib.forms import add_operation_errors
from connect.lib.views import PortalMixin, no_access_response
from customers import permissions
from functionnumbers import operations_schedules as ops
from functionnumbers import queries, schedules
from functionnumbers.forms_schedules import HolidayYearForm, ScheduleDefaultForm, ScheduleEventForm
from functionnumbers.models import SCHEDULED_KINDS, FunctionNumber, ScheduleEvent


def schedulable(organisation):
    return (
        FunctionNumber.objects.for_organisation(organisation)
        .filter(kind__in=SCHEDULED_KINDS)
        .select_related("number")
    )


class ScheduleMixin(PortalMixin):
    """The function number of the URL (`pk`), fetched through the tenancy helper; the permission
    is asked for that function number."""

    model = FunctionNumber
    permission = permissions.EDIT_SCHEDULE

    def has_permission(self):
        return True  # asked per function number in dispatch, after the tenancy lookup

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.pk = kwargs["pk"]

    def get(self, request, *args, **kwargs):
        return self.checked(request, "get", *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.checked(request, "post", *args, **kwargs)

    def checked(self, request, method, *args, **kwargs):
        self.function_number = self.get_object_for_organisation(
            schedulable(self.organisation), pk=self.pk
        )
        if not permissions.may(
            request.user,
            self.permission,
            obj=self.function_number,
            organisation=self.organisation,
            write=method == "post",
        ):
            return no_access_response(request)
        return getattr(self, f"handle_{method}")(request)

    def handle_post(self, request):
        raise Http404

    def schedule_url(self):
        return reverse("functionnumbers:schedule_detail", args=[self.function_number.pk])

    def context(self, **extra):
        return {"function_number": self.function_number, "cancel_url": self.schedule_url(), **extra}


class ScheduleListView(PortalMixin, View):
    """The function numbers whose schedules the user may edit, with the event that applies now."""

    permission = permissions.EDIT_SCHEDULE
    template_name = "functionnumbers/schedule_list.html"

    def has_permission(self):
        # OrgAdmins (and Planadministrator members) open it even before any function number exists.
        may_all = permissions.may(self.request.user, self.permission, organisation=self.organisation)
        return may_all or bool(self.visible())

    def visible(self):
        """The function numbers whose schedule the user may change, in one query (the same rule as
        customers.permissions.may(EDIT_SCHEDULE) on each, functionnumbers.queries)."""
        if not hasattr(self, "_visible"):
            self._visible = list(
                queries.schedules_visible_to(self.request.user, self.organisation)
                .select_related("number")
                .order_by("kind", "number__kind", "number__value")
            )
        return self._visible

    def get(self, request):
        items = self.visible()
        now = timezone.now()
        loaded = queries.schedules_of([fn.pk for fn in items])
        rows = []
        for fn in items:
            events, default = loaded[fn.pk]
            rows.append(
                (
                    fn,
                    schedules.schedule_match(
                        events, default, now, time_zone=self.organisation.time_zone
                    ),
                )
            )
        return render(request, self.template_name, {"rows": rows, "title": _("Schedules")})


class ScheduleDetailView(ScheduleMixin, View):
    template_name = "functionnumbers/schedule_detail.html"

    def handle_get(self, request):
        events, default = queries.schedule_rows(self.function_number)
        now = queries.schedule_state_at(self.function_number, timezone.now())
        rows = [(event, schedules.describe(event.as_event())) for event in events]
        return render(
            request,
            self.template_name,
            self.context(
                rows=rows,
                default=default,
                now=now,
                holiday_form=HolidayYearForm(),
                title=_("Schedule of %(number)s") % {"number": self.function_number.label},
            ),
        )


class ScheduleEventEditView(ScheduleMixin, View):
    """Create (no event_pk) or edit an event: "Rediger planlagt begivenhed"."""

    template_name = "functionnumbers/schedule_event_form.html"

    def event(self):
        event_pk = self.kwargs.get("event_pk")
        if event_pk is None:
            return None
        try:
            return ScheduleEvent.objects.get(
                pk=event_pk, function_number=self.function_number, is_default=False
            )
        except ScheduleEvent.DoesNotExist:
            raise Http404 from None

    def render_form(self, request, form, event):
        title = _("Edit scheduled event") if event else _("Add new scheduled event")
        return render(
            request, self.template_name, self.context(form=form, event=event, title=title)
        )

    def handle_get(self, request):
        event = self.event()
        return self.render_form(
            request, ScheduleEventForm(organisation=self.organisation, instance=event), event
        )

    def handle_post(self, request):
        event = self.event()
        form = ScheduleEventForm(request.POST, organisation=self.organisation, instance=event)
        if form.is_valid():
            try:
                if event is None:
                    ops.schedule_event_create(
                        function_number=self.function_number,
                        by=request.user,
                        **form.operation_fields(),
                    )
                else:
                    ops.schedule_event_update(
                        event=event, by=request.user, **form.operation_fields()
                    )
            except ValidationError as exc:
                add_operation_errors(form, exc)
            else:
                messages.success(request, _("The schedule was saved."))
                return HttpResponseRedirect(self.schedule_url())
        return self.render_form(request, form, event)


class ScheduleEventDeleteView(ScheduleEventEditView):
    template_name = "functionnumbers/schedule_event_delete.html"

    def handle_get(self, request):
        event = self.event()
        return render(request, self.template_name, self.context(event=event, title=_("Delete")))

    def handle_post(self, request):
        event = self.event()
        ops.schedule_event_delete(event=event, by=request.user)
        messages.success(request, _("“%(object)s” was deleted.") % {"object": event})
        return HttpResponseRedirect(self.schedule_url())


class ScheduleEventMoveView(ScheduleEventEditView):
    """▲/▼: POST direction=up|down."""

    def handle_get(self, request):
        return HttpResponseRedirect(self.schedule_url())

    def handle_post(self, request):
        offset = {"up": -1, "down": 1}.get(request.POST.get("direction"))
        if offset is not None:
            ops.schedule_event_move(event=self.event(), offset=offset, by=request.user)
        return HttpResponseRedirect(self.schedule_url())


class ScheduleDefaultView(ScheduleMixin, View):
    """ "Rediger planlagt standardbegivenhed"."""

    template_name = "functionnumbers/schedule_default_form.html"

    def current(self):
        return ScheduleEvent.objects.filter(
            function_number=self.function_number, is_default=True
        ).first()

    def render_form(self, request, form):
        return render(
            request,
            self.template_name,
            self.context(form=form, title=_("Edit scheduled default event")),
        )

    def handle_get(self, request):
        return self.render_form(
            request, ScheduleDefaultForm(organisation=self.organisation, instance=self.current())
        )

    def handle_post(self, request):
        form = ScheduleDefaultForm(
            request.POST, organisation=self.organisation, instance=self.current()
        )
        if form.is_valid():
            try:
                ops.schedule_default_set(
                    function_number=self.function_number, by=request.user, **form.operation_fields()
                )
            except ValidationError as exc:
                add_operation_errors(form, exc)
            else:
                messages.success(request, _("The schedule was saved."))
                return HttpResponseRedirect(self.schedule_url())
        return self.render_form(request, form)


class ScheduleHolidaysView(ScheduleMixin, View):
    """ "Tilføj helligdage": GET ?year= shows the dates; POST adds them."""

    template_name = "functionnumbers/schedule_holidays.html"

    def handle_get(self, request):
        form = HolidayYearForm(request.GET or None)
        found = []
        if form.is_valid():
            found = ops.danish_holidays(form.cleaned_data["year"], get_language() or "da")
        return render(
            request,
            self.template_name,
            self.context(form=form, found=found, title=_("Add public holidays")),
        )

    def handle_post(self, request):
        form = HolidayYearForm(request.POST)
        if not form.is_valid():
            return render(
                request,
                self.template_name,
                self.context(form=form, found=[], title=_("Add public holidays")),
            )
        added = ops.schedule_holidays_add(
            function_number=self.function_number,
            year=form.cleaned_data["year"],
            by=request.user,
            language=get_language() or "da",
        )
        count = len(added)
        messages.success(
            request,
            ngettext(
                "%(count)d public holiday was added as closed.",
                "%(count)d public holidays were added as closed.",
                count,
            )
            % {"count": count},
        )
        return HttpResponseRedirect(self.schedule_url())
