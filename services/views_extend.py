"""SVC-21 in the portal: the OrgAdmin's "Udvid arbejdstiden i dag til" on the working-hours page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.utils.translation import gettext as _

from connect.lib.forms import add_operation_errors
from services.definitions import WORKING_HOURS
from services.extend import working_hours_extend
from services.forms_extend import working_hours_extend_form
from services.views import ServiceSettingsView, scope_url


class WorkingHoursExtendView(ServiceSettingsView):
    """POST only; an invalid time re-renders the working-hours page with the error at the field."""

    def get(self, request, **kwargs):
        self.get_scope()  # another organisation's group or user: 404
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, **kwargs):
        settings_form = self.build_form()
        form = working_hours_extend_form(WORKING_HOURS, self.scope, data=request.POST)
        if form.is_valid():
            until = form.cleaned_data["until"]
            try:
                working_hours_extend(by=request.user, target=self.scope, until=until)
            except ValidationError as exc:
                add_operation_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The working hours of %(scope)s are extended today until %(time)s.")
                    % {"scope": self.scope.name, "time": until.strftime("%H:%M")},
                )
                return HttpResponseRedirect(scope_url(WORKING_HOURS, self.scope))
        self.extend_form = form
        return self.render_page(settings_form)
