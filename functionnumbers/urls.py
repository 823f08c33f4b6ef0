from django.urls import path

from functionnumbers import views, views_agents
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

# Agent lists of ACD and attendant groups, and login state of ACD, attendant and hunt groups.
urlpatterns += [
    path("call-groups/<int:pk>/agents/search/", views_agents.agent_search, name="agent_search"),
    path("call-groups/<int:pk>/agents/add/", views_agents.agent_add, name="agent_add"),
    path("call-groups/<int:pk>/agents/", views_agents.agent_change, name="agent_change"),
    path("groups/<int:pk>/login/", views_agents.agent_login, name="agent_login"),
]
