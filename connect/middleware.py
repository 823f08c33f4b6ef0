from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from connect.lib.tenancy import SUPPORT_SESSION_KEY
from connect.lib.uploads import view_reads_its_own_upload
from customers import permissions


class UserLanguageMiddleware:
    """The signed-in user's saved language wins over cookie and browser (Danish/English UI)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            code = user.language if user.language in ("da", "en") else "en"
            translation.activate(code)
            request.LANGUAGE_CODE = code
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class OrganisationMiddleware:
    """Sets request.organisation: the user's own, or for support staff holding the support
    permission the one chosen to act in (being staff alone grants nothing here)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organisation = None
        request.acting_as_support = False
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if permissions.may_act_in_organisations(user):
                org_id = request.session.get(SUPPORT_SESSION_KEY)
                if org_id:
                    from customers.models import Organisation

                    request.organisation = Organisation.objects.filter(pk=org_id).first()
                    request.acting_as_support = request.organisation is not None
            if request.organisation is None and user.organisation_id:
                request.organisation = user.organisation
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Someone who must use two-factor sign-in (an OrgAdmin whose organisation requires it, staff
    when OTP_REQUIRED_FOR_STAFF is on) and has not set it up reaches only the set-up pages,
    sign-out and the language switch until they have. Costs nothing for a session that gave a
    code at sign-in, and one query only while the requirement applies."""

    ALLOWED_VIEWS = {
        "customers:two_factor",
        "customers:two_factor_setup",
        "customers:two_factor_codes",
        "login",
        "login_code",
        "logout",
        "admin:logout",
        "set_language",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from connect.lib.signin import VERIFIED_SESSION_KEY

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.session.get(VERIFIED_SESSION_KEY):
            return None
        match = getattr(request, "resolver_match", None)
        if match is None or match.view_name in self.ALLOWED_VIEWS:
            return None
        from customers.queries import two_factor_enrolled, two_factor_required

        if not two_factor_required(user) or two_factor_enrolled(user):
            return None
        url = reverse("customers:two_factor")
        if getattr(request, "htmx", False):
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return HttpResponseRedirect(url)


NUL = "\x00"


def _has_nul(querydict):
    return any(NUL in key or any(NUL in value for value in values) for key, values in querydict.lists())


class RefuseNulMiddleware:
    """Answer 400 with a translated page when the path, the query string or a form field holds a
    NUL character (`%00`).

    PostgreSQL text cannot hold NUL, so such input fails with a 500 wherever it reaches a query
    (a search, a path argument, a form value); SQLite stores it silently. One check here covers
    every view instead of one per field. Uploaded files are the view's business: their content is
    not looked at (Django already drops control characters from their names).

    It runs as process_view, after CSRF and the user's language are settled, so the page is in the
    user's language and a forged POST is still a 403.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A view that installs its own upload handlers (the size limit of voice prompts) reads its
        # body itself: parsing it here first would read the whole upload.
        check_post = request.method == "POST" and not view_reads_its_own_upload(view_func)
        if NUL in request.path_info or _has_nul(request.GET) or (check_post and _has_nul(request.POST)):
            return render(request, "bad_input.html", status=400)
        return None
