from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from connect import views
from customers.forms_auth import LoginForm, PasswordResetRequestForm

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetRequestForm,
            email_template_name="emails/password_reset-body.txt",
            html_email_template_name="emails/password_reset-body.html",
            subject_template_name="emails/password_reset-subject.txt",
        ),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("language/", views.set_language, name="set_language"),
    path("support/act/<int:pk>/", views.support_act, name="support_act"),
    path("support/stop/", views.support_stop, name="support_stop"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots),
    path("admin/", admin.site.urls),
    path("", include("customers.urls")),
    path("services/", include("services.urls")),
    path("functionnumbers/", include("functionnumbers.urls")),
    path("devices/", include("devices.urls")),
    path("", include("provisioning.urls")),
]
