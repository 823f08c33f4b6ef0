"""Calendar connectors (ORG-3, Kalenderforbindelser): the Exchange servers the organisation's
users synchronise calendar and contacts with.

The password is stored encrypted (connect.lib.crypto) and never rendered back. Users that
synchronise their calendar through a connector refer to it with a RESTRICT foreign key
(User.calendar_connector, USR-14): a connector in use cannot be deleted (connect.lib.references
lists those users), while deleting the whole organisation still works.
"""

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from connect.lib.validators import validate_clean_text
from customers.models.core import Organisation, OrganisationScopedQuerySet


class CalendarConnector(models.Model):
    class Kind(models.TextChoices):
        EXCHANGE = "ews", _("Exchange (EWS)")
        GRAPH = "graph", _("Microsoft 365 (Graph)")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="calendar_connectors", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=64, validators=[validate_clean_text])
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices, default=Kind.EXCHANGE)
    # Checked by customers.operations.connectors.clean_server_url (https, no internal address).
    server_url = models.CharField(_("server URL"), max_length=500)
    username = models.CharField(_("user name"), max_length=254, blank=True, validators=[validate_clean_text])
    password_encrypted = models.TextField(blank=True, editable=False)
    sync_calendar = models.BooleanField(_("synchronise calendar"), default=True)
    sync_contacts = models.BooleanField(_("synchronise contacts"), default=False)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar connector")
        verbose_name_plural = _("calendar connectors")
        ordering = ["name"]
        constraints = [models.UniqueConstraint("organisation", Lower("name"), name="connector_unique_name_ci")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("customers:connector_update", args=[self.pk])

    @property
    def has_password(self):
        return bool(self.password_encrypted)
