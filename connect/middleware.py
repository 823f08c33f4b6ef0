from django.utils import translation

from connect.lib.tenancy import SUPPORT_SESSION_KEY
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
