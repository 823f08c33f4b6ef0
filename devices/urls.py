from django.urls import path

from devices import api, views

app_name = "devices"
urlpatterns = [
    path("phones/", views.phone_list, name="phone_list"),
    path("phones/new/", views.phone_create, name="phone_create"),
    path("phones/import/", views.phone_import, name="phone_import"),
    path("phones/<int:pk>/", views.phone_detail, name="phone_detail"),
    path("phones/<int:pk>/edit/", views.phone_update, name="phone_update"),
    path("phones/<int:pk>/delete/", views.phone_delete, name="phone_delete"),
    path("phones/<int:pk>/keys/", views.phone_keys, name="phone_keys"),
    path("users/search/", views.user_search, name="user_search"),
    path("users/pick/", views.user_pick, name="user_pick"),
    path("platform/registration/", api.registration, name="platform_registration"),
    path("platform/seating/", api.seating, name="platform_seating"),
]
