"""Django admin of the services models: registered, searchable, audited, tenancy-checked."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from customers.models import AuditEntry
from services import operations
from services.models import CallPickupSettings
from services.scopes import Scope
from tests.services.factories import ExternalContactFactory


@pytest.fixture
def support_client(client, support):
    client.force_login(support)
    return client


def test_every_services_model_is_registered(support_client, org_a, groups_a, member_a):
    operations.service_settings_save(service="call-pickup", scope=Scope(org_a), data={"pickup_groups": [groups_a["Salg"].pk]}, by=None)
    operations.service_settings_save(service="voicemail", scope=Scope(org_a, user=member_a), data={"retention_days": 9}, by=None)
    operations.mandatory_contact_add(scope=Scope(org_a), contact_user=member_a, by=None)
    ExternalContactFactory(organisation=org_a)
    for model in apps.get_app_config("services").get_models():
        if model._meta.auto_created:
            continue
        assert admin.site.is_registered(model), model
        info = (model._meta.app_label, model._meta.model_name)
        url = reverse(f"admin:{info[0]}_{info[1]}_changelist")
        assert support_client.get(url, {"q": "org-a"}).status_code == 200, model
        obj = model._default_manager.first()
        if obj is not None:
            assert support_client.get(reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk])).status_code == 200, model


def test_admin_refuses_another_organisations_group(support_client, org_a, groups_a, group_b):
    response = support_client.post(
        reverse("admin:services_callpickupsettings_add"),
        {"organisation": org_a.pk, "pickup_groups": [group_b.pk]},
    )
    assert response.status_code == 200
    assert "Choose from the row" in response.content.decode()
    assert not CallPickupSettings.objects.exists()
    response = support_client.post(
        reverse("admin:services_callpickupsettings_add"),
        {"organisation": org_a.pk, "pickup_groups": [groups_a["Salg"].pk]},
    )
    assert response.status_code == 302
    row = CallPickupSettings.objects.get()
    assert AuditEntry.objects.filter(object_id=str(row.pk), content_type__model="callpickupsettings", via_support=True).exists()
