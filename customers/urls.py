from django.urls import path

from customers.views import directory, groups, history, jobs, numbers, presence, smartphones, users, welcome
from customers.views import imports as import_views

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
    # Presence shortcuts (ORG-2), presence states (ORG-7), languages (ORG-8).
    path("presence-shortcuts/", presence.shortcut_list, name="shortcut_list"),
    path("presence-shortcuts/new/", presence.shortcut_create, name="shortcut_create"),
    path("presence-shortcuts/<int:pk>/", presence.shortcut_update, name="shortcut_update"),
    path("presence-shortcuts/<int:pk>/delete/", presence.shortcut_delete, name="shortcut_delete"),
    path("presence-states/", presence.presence_states, name="presence_states"),
    path("presence-states/activities/new/", presence.activity_create, name="activity_create"),
    path("presence-states/activities/<int:pk>/", presence.activity_update, name="activity_update"),
    path("presence-states/activities/<int:pk>/delete/", presence.activity_delete, name="activity_delete"),
    path("presence-states/roles/new/", presence.role_create, name="role_create"),
    path("presence-states/roles/<int:pk>/", presence.role_update, name="role_update"),
    path("presence-states/roles/<int:pk>/delete/", presence.role_delete, name="role_delete"),
    path("languages/", presence.languages, name="languages"),
    # Users (USR-2 … USR-15), directory fields (USR-17/18), smartphone clients (DEV-5): users area.
    path("users/", users.user_list, name="user_list"),
    path("users/new/", users.user_create_view, name="user_create"),
    path("users/bulk/<str:action>/", users.user_bulk, name="user_bulk"),
    path("users/sip-password/", users.sip_password_generate, name="sip_password_generate"),
    path("users/<int:pk>/", users.user_update_view, name="user_update"),
    path("users/<int:pk>/delete/", users.user_delete_view, name="user_delete"),
    path("users/<int:pk>/copy/", users.user_copy_view, name="user_copy"),
    path("users/<int:pk>/photo/", users.user_photo, name="user_photo"),
    path("directory-fields/", directory.directory_fields, name="directory_fields"),
    path("directory-fields/add/", directory.directory_field_add, name="directory_field_add"),
    path("directory-fields/moderation/", directory.directory_moderation, name="directory_moderation"),
    path("smartphones/", smartphones.smartphone_list, name="smartphone_list"),
    path("smartphones/invite/", smartphones.smartphone_invite, name="smartphone_invite"),
    # Imports/exports (USR-1, USR-3), jobs, welcome messages (USR-5): jobs area.
    path("users/import/", import_views.users_import, name="users_import"),
    path("users/export/", import_views.users_export, name="users_export"),
    path("users/directory-sync/", import_views.directory_sync, name="directory_sync"),
    path("users/welcome/", welcome.users_welcome, name="users_welcome"),
    path("users/<int:pk>/welcome/", welcome.user_welcome, name="user_welcome"),
    path("users/<int:pk>/welcome/status/", welcome.welcome_status, name="welcome_status"),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job_detail"),
    path("jobs/<int:pk>/progress/", jobs.job_progress, name="job_progress"),
    path("jobs/<int:pk>/confirm/", jobs.job_confirm_view, name="job_confirm"),
    path("jobs/<int:pk>/cancel/", jobs.job_cancel_view, name="job_cancel"),
    path("jobs/<int:pk>/errors.csv", jobs.job_errors, name="job_errors"),
    path("jobs/<int:pk>/download/", jobs.job_download, name="job_download"),
    path("welcome/<uidb64>/<token>/", welcome.set_password, name="set_password"),
    path("welcome/done/", welcome.set_password_done, name="set_password_done"),
    path("api/clients/first-use/", welcome.client_first_use_endpoint, name="client_first_use"),
]
