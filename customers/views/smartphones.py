"""Smartphone clients (DEV-5): who has been invited to the mobile app and who uses it.

Inviting = sending the welcome message (USR-5) by SMS with the mobile app: the sending is the
jobs area's `welcome_send` operation (customers.operations.welcome); users without a mobile
number are skipped and listed.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from connect.lib.views import PortalMixin
from customers import permissions
from customers.forms.users import BulkUsersForm
from customers.models import Number
from customers.queries_users import SMARTPHONE_STATUSES, smartphone_clients

PAGE_SIZE = 50


class SmartphoneListView(PortalMixin, View):
    permission = permissions.MANAGE_USERS

    def get(self, request):
        status = request.GET.get("status", "")
        if status not in SMARTPHONE_STATUSES:
            status = ""
        page = Paginator(smartphone_clients(self.organisation, status), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "customers/smartphone_list.html",
            {
                "page_obj": page,
                "status": status,
                "statuses": [
                    ("", _("All")),
                    ("not_invited", _("Not invited")),
                    ("invited", _("Invited")),
                    ("in_use", _("In use")),
                ],
                "query_string": urlencode({"status": status}) if status else "",
            },
        )


class SmartphoneInviteView(PortalMixin, View):
    """"Send invitations-SMS til udvalgte" and the row action "Inviter" / "Inviter igen"."""

    permission = permissions.MANAGE_USERS

    def post(self, request):
        back = reverse("customers:smartphone_list")
        status = request.POST.get("status", "")
        if status in SMARTPHONE_STATUSES:
            back += "?" + urlencode({"status": status})
        form = BulkUsersForm(request.POST, organisation=self.organisation, user=request.user)
        if not form.is_valid():
            for error in form.errors.get("users", []):
                messages.error(request, error)
            return HttpResponseRedirect(back)
        users = list(form.cleaned_data["users"])
        with_mobile = set(
            Number.objects.filter(user__in=users, purpose=Number.Purpose.MOBILE).values_list("user_id", flat=True)
        )
        skipped = [u for u in users if u.pk not in with_mobile]
        invite = [u for u in users if u.pk in with_mobile]
        if skipped:
            messages.warning(
                request,
                _("Skipped (no mobile number): %(users)s") % {"users": ", ".join(u.username for u in skipped)},
            )
        if invite:
            from customers.operations.welcome import welcome_send
            from customers.views.welcome import repeated_message

            try:
                result = welcome_send(organisation=self.organisation, users=invite, email=False, sms=True, by=request.user)
            except ValidationError as exc:
                for error in exc.messages:
                    messages.error(request, error)
                return HttpResponseRedirect(back)
            repeated_message(request, result.repeated)
            count = len(invite) - len(result.repeated)
            if count:
                messages.success(
                    request,
                    ngettext("An invitation is being sent to %(count)d user.", "Invitations are being sent to %(count)d users.", count)
                    % {"count": count},
                )
        return HttpResponseRedirect(back)


smartphone_list = SmartphoneListView.as_view()
smartphone_invite = SmartphoneInviteView.as_view()
