from django.urls import path

from customers.views import groups, history, numbers

app_name = "customers"
urlpatterns = [
    path("history/<int:content_type_id>/<str:object_id>/", history.history, name="history"),
    # User groups (USR-16) and number ranges (ORG-9): customers-org area.
    path("groups/", groups.usergroup_list, name="usergroup_list"),
    path("groups/new/", groups.usergroup_create, name="usergroup_create"),
    path("groups/<int:pk>/", groups.usergroup_update, name="usergroup_update"),
    path("groups/<int:pk>/delete/", groups.usergroup_delete, name="usergroup_delete"),
    path("groups/<int:pk>/move/", groups.usergroup_move, name="usergroup_move"),
    path("number-ranges/", numbers.numberrange_list, name="numberrange_list"),
    path("number-ranges/new/", numbers.numberrange_create, name="numberrange_create"),
    path("number-ranges/<int:pk>/", numbers.numberrange_update, name="numberrange_update"),
    path("number-ranges/<int:pk>/delete/", numbers.numberrange_delete, name="numberrange_delete"),
    path("numbers/available/", numbers.available_numbers_view, name="available_numbers"),
]
