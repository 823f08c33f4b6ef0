"""Welcome messages (USR-5): the "Send velkomstmeddelelse" dialog for one user and for the users
selected in the list, the status partial on the user page, the set-password page the message
links to, and the endpoint the mobile and desktop clients call to report their first use.
"""

import base64
import binascii
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from connect.lib.views import PortalMixin
from customers import permissions
from customers.forms.imports import WelcomeForm
from customers.forms.users import BulkUsersForm
from customers.models import User
from customers.operations.welcome import (
    CLIENT_FIELDS,
    REPEAT_WINDOW,
    available_channels,
    client_first_use,
    download_links,
    latest_messages,
    mobile_numbers,
    user_language,
    welcome_send,
    welcome_token_generator,
)

WELCOME_LANGUAGE_KEY = "connect_welcome_language"


def _safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _skipped_message(request, skipped):
    if skipped:
        messages.warning(
            request,
            _("Skipped (no e-mail address or mobile number for the chosen channels): %(users)s")
            % {"users": ", ".join(u.username for u in skipped[:50]) + (" …" if len(skipped) > 50 else "")},
        )


def repeated_message(request, repeated):
    """Tell the admin which users' welcome messages were not queued again (a double click)."""
    if not repeated:
        return
    minutes = int(REPEAT_WINDOW.total_seconds() // 60)
    if len(repeated) == 1:
        text = _("The welcome message to %(user)s was sent less than %(minutes)d minutes ago and is not sent again.")
        messages.info(request, text % {"user": repeated[0].username, "minutes": minutes})
        return
    messages.info(
        request,
        _("Not sent again (sent less than %(minutes)d minutes ago): %(users)s")
        % {"minutes": minutes, "users": ", ".join(u.username for u in repeated[:50]) + (" …" if len(repeated) > 50 else "")},
    )


class WelcomeMixin(PortalMixin):
    permission = permissions.MANAGE_USERS


class UserWelcomeView(WelcomeMixin, View):
    """The dialog for one user (row menu and user page)."""

    def get_user(self, pk):
        return self.get_object_for_organisation(User, pk=pk)

    def render_dialog(self, request, user, form, mobile):
        return render(
            request,
            "customers/welcome_dialog.html",
            {
                "form": form,
                "object": user,
                "mobile": mobile,
                "next": _safe_next(request, reverse("customers:user_update", args=[user.pk])),
                "title": _("Send welcome message"),
            },
        )

    def get(self, request, pk):
        user = self.get_user(pk)
        mobile = mobile_numbers([user]).get(user.pk)
        has_email, has_mobile = available_channels(user, mobile or "")
        form = WelcomeForm(initial={"email": has_email, "sms": has_mobile})
        return self.render_dialog(request, user, form, mobile)

    def post(self, request, pk):
        user = self.get_user(pk)
        mobile = mobile_numbers([user]).get(user.pk)
        form = WelcomeForm(request.POST)
        if not form.is_valid():
            return self.render_dialog(request, user, form, mobile)
        try:
            result = welcome_send(
                organisation=self.organisation, users=[user], email=form.cleaned_data["email"], sms=form.cleaned_data["sms"], by=request.user
            )
        except ValidationError as exc:
            for error in exc.messages:
                form.add_error(None, error)
            return self.render_dialog(request, user, form, mobile)
        if result.skipped:
            form.add_error(None, _("The user has no e-mail address or mobile number for the chosen channels."))
            return self.render_dialog(request, user, form, mobile)
        if result.messages:
            messages.success(request, _("The welcome message to %(user)s is being sent.") % {"user": user.username})
        else:
            repeated_message(request, result.repeated)
        return HttpResponseRedirect(_safe_next(request, reverse("customers:user_update", args=[user.pk])))


class UsersWelcomeView(WelcomeMixin, View):
    """The dialog for the users ticked in the list (bulk action); sends as a Job."""

    def post(self, request):
        selection = BulkUsersForm({"users": request.POST.getlist("users")}, organisation=self.organisation, user=request.user)
        if not selection.is_valid():
            for error in selection.errors.get("users", []):
                messages.error(request, error)
            return HttpResponseRedirect(reverse("customers:user_list"))
        users = list(selection.cleaned_data["users"])
        mobiles = mobile_numbers(users)
        if "confirm" not in request.POST:
            form = WelcomeForm(initial={"email": any(u.email for u in users), "sms": bool(mobiles)})
            return self.render_dialog(request, users, mobiles, form)
        form = WelcomeForm(request.POST)
        if not form.is_valid():
            return self.render_dialog(request, users, mobiles, form)
        try:
            result = welcome_send(
                organisation=self.organisation, users=users, email=form.cleaned_data["email"], sms=form.cleaned_data["sms"], by=request.user
            )
        except ValidationError as exc:
            for error in exc.messages:
                form.add_error(None, error)
            return self.render_dialog(request, users, mobiles, form)
        _skipped_message(request, result.skipped)
        repeated_message(request, result.repeated)
        if result.job is not None:
            return HttpResponseRedirect(reverse("customers:job_detail", args=[result.job.pk]))
        if result.messages:
            count = len({m.user_id for m in result.messages})
            messages.success(
                request,
                ngettext("The welcome message is being sent to %(count)d user.", "Welcome messages are being sent to %(count)d users.", count)
                % {"count": count},
            )
        return HttpResponseRedirect(self.back_url(request))

    def back_url(self, request):
        back = request.POST.get("back", "")
        base = reverse("customers:user_list")
        return f"{base}?{back}" if back and not back.startswith(("/", "http")) and "\\" not in back else base

    def render_dialog(self, request, users, mobiles, form):
        rows = [{"user": u, "mobile": mobiles.get(u.pk, ""), "email": u.email} for u in users]
        return render(
            request,
            "customers/welcome_bulk.html",
            {"form": form, "rows": rows, "title": _("Send welcome message"), "back": request.POST.get("back", "")[:500]},
        )


class WelcomeStatusView(WelcomeMixin, View):
    """The status partial (htmx refresh on the user page)."""

    def get(self, request, pk):
        user = self.get_object_for_organisation(User, pk=pk)
        return render(request, "customers/_welcome_status.html", welcome_status_context(user))


def welcome_status_context(user):
    return {"object": user, "welcome_messages": latest_messages(user)}


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The welcome message's one-time set-password link (valid 7 days). An invalid or expired
    link shows an explanation with status 404."""

    token_generator = welcome_token_generator
    template_name = "customers/set_password.html"
    success_url = reverse_lazy("customers:set_password_done")
    reset_url_token = "set-password"
    post_reset_login = False

    def dispatch(self, *args, **kwargs):
        # The page speaks the user's language, like the welcome message that links to it.
        user = self.get_user(kwargs.get("uidb64", ""))
        if user is not None:
            language = user_language(user)
            translation.activate(language)
            self.request.LANGUAGE_CODE = language
            self.request.session[WELCOME_LANGUAGE_KEY] = language
        return super().dispatch(*args, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        if not context.get("validlink"):
            response_kwargs["status"] = 404
        return super().render_to_response(context, **response_kwargs)


class SetPasswordDoneView(TemplateView):
    """After choosing the password: what to install next."""

    template_name = "customers/set_password_done.html"

    def dispatch(self, request, *args, **kwargs):
        language = request.session.get(WELCOME_LANGUAGE_KEY)
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "links": download_links()}


def _basic_credentials(request):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    kind, _sep, value = header.partition(" ")
    if kind.lower() != "basic" or not value:
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None, None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None, None
    return username, password


def _unauthorised(message):
    response = JsonResponse({"error": message}, status=401)
    response["WWW-Authenticate"] = 'Basic realm="Connect", charset="UTF-8"'
    return response


@csrf_exempt
@require_POST
def client_first_use_view(request):
    """POST by the mobile app / desktop client with the user's credentials (HTTP Basic) and JSON
    {"client": "mobile" | "desktop"}: records the first use once (DEV-5 "Bruges siden", USR-2
    icons). Failed sign-ins count towards django-axes' lock-out like the portal's."""
    username, password = _basic_credentials(request)
    if not username:
        return _unauthorised("credentials required")
    try:
        body = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"error": "invalid JSON"}, status=400)
    client = body.get("client") if isinstance(body, dict) else None
    if client not in CLIENT_FIELDS:
        return JsonResponse({"error": "client must be \"mobile\" or \"desktop\""}, status=400)
    user = authenticate(request, username=username.strip().lower(), password=password)
    if getattr(request, "axes_locked_out", False):
        return JsonResponse({"error": "too many failed sign-ins; try again later"}, status=429)
    if user is None or not user.is_active or user.organisation_id is None:
        return _unauthorised("invalid credentials")
    first = client_first_use(user=user, client=client)
    return JsonResponse({"client": client, "first_used_at": first.isoformat() if first else None})


user_welcome = UserWelcomeView.as_view()
users_welcome = UsersWelcomeView.as_view()
welcome_status = WelcomeStatusView.as_view()
set_password = SetPasswordView.as_view()
set_password_done = SetPasswordDoneView.as_view()
client_first_use_endpoint = client_first_use_view
