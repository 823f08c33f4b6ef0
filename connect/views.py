from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST, require_safe

from connect.lib.tenancy import SUPPORT_SESSION_KEY
from connect.lib.views import no_access_response
from customers import permissions


@require_safe
@login_required
def home(request):
    organisation = getattr(request, "organisation", None)
    if organisation is None and request.user.is_staff:
        return HttpResponseRedirect("/admin/")
    if not permissions.has_portal_access(request.user, organisation):
        return no_access_response(request)
    # Group administrators, ACD supervisors and controllers get in too (SET-5): the home page's
    # cards and the menu then show only their function numbers.
    return render(request, "home.html")


def _safe_next(request, fallback="/"):
    nxt = request.POST.get("next") or request.GET.get("next") or request.META.get("HTTP_REFERER") or fallback
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        nxt = fallback
    return nxt


@require_POST
def set_language(request):
    """Header language switch: saved on the user (it wins next time) and in a cookie."""
    from django.conf import settings

    code = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request))
    if code not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated and request.user.language != code:
        request.user.language = code
        request.user.save(update_fields=["language"])
    translation.activate(code)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure())
    return response


@require_POST
@staff_member_required
def support_act(request, pk):
    """Support staff holding the support permission start acting inside one organisation's
    portal (banner shown, audited)."""
    from customers.models import Organisation

    if not permissions.may_act_in_organisations(request.user):
        return no_access_response(request)
    organisation = get_object_or_404(Organisation, pk=pk)
    request.session[SUPPORT_SESSION_KEY] = organisation.pk
    return HttpResponseRedirect("/")


@require_POST
@staff_member_required
def support_stop(request):
    request.session.pop(SUPPORT_SESSION_KEY, None)
    return HttpResponseRedirect("/admin/")


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
