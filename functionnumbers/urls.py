from django.urls import path

from functionnumbers import views
from functionnumbers.layouts import LAYOUTS

app_name = "functionnumbers"
urlpatterns = []
for kind, layout in LAYOUTS.items():
    urlpatterns += [
        path(
            f"{layout.slug}/",
            views.FunctionNumberListView.for_kind(kind).as_view(),
            name=f"{kind}_list",
        ),
        path(
            f"{layout.slug}/new/",
            views.FunctionNumberCreateView.for_kind(kind).as_view(),
            name=f"{kind}_create",
        ),
        path(
            f"{layout.slug}/<int:pk>/",
            views.FunctionNumberUpdateView.for_kind(kind).as_view(),
            name=f"{kind}_update",
        ),
        path(
            f"{layout.slug}/<int:pk>/delete/",
            views.FunctionNumberDeleteView.for_kind(kind).as_view(),
            name=f"{kind}_delete",
        ),
    ]
