"""Send /prov/ requests straight to the provisioning endpoint.

Phones send no cookies and no CSRF token, and the endpoint needs no session, user, language or
messages: skipping that middleware keeps a boot storm cheap. Install it right after
SecurityMiddleware (which still adds its headers; settings.SECURE_REDIRECT_EXEMPT keeps phones on
plain HTTP when they must).
"""

from provisioning import views

PREFIX = "/prov/"


class ProvisioningMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(PREFIX):
            return views.fetch(request, path[len(PREFIX):])
        return self.get_response(request)
