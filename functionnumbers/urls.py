from django.urls import path

from functionnumbers import views, views_autoattendant, views_schedules
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

urlpatterns += [
    path("schedules/", views_schedules.ScheduleListView.as_view(), name="schedule_list"),
    path(
        "schedules/<int:pk>/", views_schedules.ScheduleDetailView.as_view(), name="schedule_detail"
    ),
    path(
        "schedules/<int:pk>/events/new/",
        views_schedules.ScheduleEventEditView.as_view(),
        name="schedule_event_create",
    ),
    path(
        "schedules/<int:pk>/events/<int:event_pk>/",
        views_schedules.ScheduleEventEditView.as_view(),
        name="schedule_event_update",
    ),
    path(
        "schedules/<int:pk>/events/<int:event_pk>/delete/",
        views_schedules.ScheduleEventDeleteView.as_view(),
        name="schedule_event_delete",
    ),
    path(
        "schedules/<int:pk>/events/<int:event_pk>/move/",
        views_schedules.ScheduleEventMoveView.as_view(),
        name="schedule_event_move",
    ),
    path(
        "schedules/<int:pk>/default/",
        views_schedules.ScheduleDefaultView.as_view(),
        name="schedule_default",
    ),
    path(
        "schedules/<int:pk>/holidays/",
        views_schedules.ScheduleHolidaysView.as_view(),
        name="schedule_holidays",
    ),
]

urlpatterns += [
    path(
        "auto-attendant/<int:pk>/flow/",
        views_autoattendant.AutoAttendantFlowView.as_view(),
        name="auto_attendant_flow",
    ),
]
