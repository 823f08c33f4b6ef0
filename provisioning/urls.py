from django.urls import path, re_path

from provisioning import views

app_name = "provisioning"
urlpatterns = [
    path("provisioning/ticket/renew/", views.ticket_renew, name="ticket_renew"),
    # Everything under /prov/ reaches the endpoint, so every malformed path gets the same 404.
    # [\s\S] instead of "." so that a path with an encoded line break still matches.
    re_path(r"^prov/(?P<rest>[\s\S]*)\Z", views.fetch, name="fetch"),
]
