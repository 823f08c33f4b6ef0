"""Reads for number type classification (ORG-6): the table of an organisation, and the tester."""

from customers.models import ClassificationPrefix, NumberClassification
from customers.numbertypes import classification_table, classify, number_key


def organisation_classification_table(organisation):
    """All prefixes of the organisation's classifications in one query, ready for `classify`."""
    rows = (
        ClassificationPrefix.objects.for_organisation(organisation)
        .order_by("classification__name", "classification_id")
        .values_list("prefix", "classification_id")
    )
    return classification_table(rows)


def classify_number(organisation, raw):
    """(number as matched, classification or None, matched prefix or "") for the "test a number" box."""
    key = number_key(raw)
    match = classify(organisation_classification_table(organisation), key)
    if match is None:
        return key, None, ""
    return key, NumberClassification.objects.for_organisation(organisation).get(pk=match.classification), match.prefix
