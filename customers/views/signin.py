"""Sign-in: password, then (for people with an authenticator app) the code. The portal's and the
Django admin's sign-in share this flow (connect/urls.py routes /admin/login/ here)."""

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from connect.lib.signin import (
    AdminLoginForm,
    code_refused,
    code_signin_allowed,
    lockout_response,
    pending_signin,
    pending_signin_clear,
    pending_signin_start,
    signin_complete,
)
from customers.forms_auth import LoginForm, TwoFactorCodeForm
from customers.operations import two_factor_verify
from customers.queries import two_factor_enrolled


class SignInView(LoginView):
    """Step 1, the password. Without an authenticator app this signs in, as Django's LoginView."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor_enrolled(user):
            pending_signin_start(self.request, user, next_url=self.get_success_url())
            return HttpResponseRedirect(reverse("login_code"))
        return super().form_valid(form)


class AdminSignInView(SignInView):
    """The Django admin's sign-in page, with the same two steps."""

    authentication_form = AdminLoginForm
    template_name = "admin/login.html"
    redirect_authenticated_user = (
        False  # a signed-in non-staff user sees "not authorised", as in the admin
    )

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET" and admin.site.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return reverse("admin:index")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            admin.site.each_context(self.request),
            title=_("Log in"),
            subtitle=None,
            app_path=self.request.get_full_path(),
            username=self.request.user.get_username(),
        )
        return context


class SignInCodeView(FormView):
    """Step 2, the code. Reached only with a pending sign-in of this session (a correct password
    moments ago); a refused code counts towards the lock-out like a wrong password."""

    form_class = TwoFactorCodeForm
    template_name = "registration/login_code.html"

    @classmethod
    def as_view(cls, **initkwargs):
        return never_cache(
            csrf_protect(sensitive_post_parameters("code")(super().as_view(**initkwargs)))
        )

    def dispatch(self, request, *args, **kwargs):
        pending = pending_signin(request)
        if pending is None:
            return HttpResponseRedirect(reverse("login"))
        self.user, self.next_url = pending
        if not code_signin_allowed(request, self.user):
            pending_signin_clear(request)
            return lockout_response(request)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "autofocus": True}

    def form_valid(self, form):
        try:
            device = two_factor_verify(user=self.user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            code_refused(
                self.request, self.user, "throttled" if exc.code == "throttled" else "wrong-code"
            )
            if getattr(self.request, "axes_locked_out", False):
                # AxesMiddleware answers with the lock-out page; the password is needed again later.
                pending_signin_clear(self.request)
            form.add_error("code", exc)
            return self.form_invalid(form)
        signin_complete(self.request, self.user, device)
        return HttpResponseRedirect(self.next_url or reverse("home"))
