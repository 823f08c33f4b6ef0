from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from connect import views
from customers.forms_auth import PasswordResetRequestForm
from customers.views import signin

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", signin.SignInView.as_view(), name="login"),
    path("accounts/login/code/", signin.SignInCodeView.as_view(), name="login_code"),
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
    # Before admin.site.urls: the admin's sign-in is the portal's two-step flow on the admin's page.
    path("admin/login/", signin.AdminSignInView.as_view(), name="admin_login"),
    path("admin/", admin.site.urls),
    path("", include("customers.urls")),
    path("services/", include("services.urls")),
    path("functionnumbers/", include("functionnumbers.urls")),
    path("devices/", include("devices.urls")),
    path("", include("provisioning.urls")),
]
