"""Number type classification (ORG-6) and blocking groups (ORG-10).

A classification names a set of number prefixes ("Udland": +, 00; "Betalingsnumre": +4590); a
number belongs to the classification with the longest matching prefix (customers.numbertypes).
Blocking groups combine classifications and extra prefixes; function numbers refer to them to
limit where they may place or forward calls.
"""

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from connect.lib.validators import validate_clean_text
from customers.models.core import Organisation, OrganisationScopedQuerySet
from customers.numbertypes import PREFIX_MAX_LENGTH


class NumberClassification(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="number_classifications", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=64, validators=[validate_clean_text])

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("number type classification")
        verbose_name_plural = _("number type classifications")
        ordering = ["name"]
        constraints = [models.UniqueConstraint("organisation", Lower("name"), name="classification_unique_name_ci")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("customers:classification_update", args=[self.pk])


class ClassificationPrefixQuerySet(OrganisationScopedQuerySet):
    organisation_field = "classification__organisation"


class ClassificationPrefix(models.Model):
    """One prefix of a classification: digits with an optional leading "+"."""

    classification = models.ForeignKey(
        NumberClassification, on_delete=models.CASCADE, related_name="prefixes", verbose_name=_("classification")
    )
    prefix = models.CharField(_("prefix"), max_length=PREFIX_MAX_LENGTH)

    objects = ClassificationPrefixQuerySet.as_manager()

    class Meta:
        verbose_name = _("prefix")
        verbose_name_plural = _("prefixes")
        ordering = ["prefix"]
        constraints = [models.UniqueConstraint(fields=["classification", "prefix"], name="classification_unique_prefix")]

    def __str__(self):
        return self.prefix


class BlockingGroup(models.Model):
    """ORG-10: a function number in the group may not call or forward to these types or prefixes."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="blocking_groups", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=64, validators=[validate_clean_text])
    classifications = models.ManyToManyField(
        NumberClassification, blank=True, related_name="blocking_groups", verbose_name=_("number type classifications")
    )
    extra_prefixes = models.JSONField(_("extra prefixes"), default=list, blank=True)

    objects = OrganisationScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("blocking group")
        verbose_name_plural = _("blocking groups")
        ordering = ["name"]
        constraints = [models.UniqueConstraint("organisation", Lower("name"), name="blockinggroup_unique_name_ci")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("customers:blockinggroup_update", args=[self.pk])
