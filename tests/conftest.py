"""Personas built once per test: org A admin, org A standard user, org B admin, support staff."""

import pytest

from tests.factories import (
    PASSWORD,
    OrgAdminFactory,
    OrganisationFactory,
    SupportFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _english_and_fast(settings):
    settings.LANGUAGE_CODE = "en"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture
def org_a(db):
    return OrganisationFactory(name="org-a")


@pytest.fixture
def org_b(db):
    return OrganisationFactory(name="org-b")


@pytest.fixture
def admin_a(org_a):
    return OrgAdminFactory(organisation=org_a, username="admin@a.example")


@pytest.fixture
def user_a(org_a):
    return UserFactory(organisation=org_a, username="user@a.example")


@pytest.fixture
def admin_b(org_b):
    return OrgAdminFactory(organisation=org_b, username="admin@b.example")


@pytest.fixture
def support(db):
    return SupportFactory(username="support@connect.example")


@pytest.fixture
def client_a(client, admin_a):
    client.force_login(admin_a)
    return client


@pytest.fixture
def client_b(client, admin_b):
    client.force_login(admin_b)
    return client


@pytest.fixture
def password():
    return PASSWORD
