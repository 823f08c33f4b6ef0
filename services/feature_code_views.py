"""The read-only "Funktionskoder" page under Tjenester (FEATURES.md §3)."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from services.definitions import get_service
from services.feature_codes import FEATURE_CODES, display
from services.views import ServicesMixin


def feature_code_rows():
    """Per code what the page shows: id, function, description, syntaxes [(label, text)],
    examples [(dialled, explanation)], permission, links [(title, url)]."""
    rows = []
    for code in FEATURE_CODES:
        links = []
        if code.service:
            links.append(
                (get_service(code.service).title, reverse("services:service", args=[code.service]))
            )
        if code.url_name:
            links.append((_("Presence states"), reverse(code.url_name)))
        rows.append(
            {
                "id": code.id,
                "function": code.function,
                "description": code.description,
                "syntaxes": [(syntax.label, syntax.display()) for syntax in code.syntaxes],
                "examples": [(display(dialled), text) for dialled, text in code.examples],
                "permission": code.permission,
                "links": links,
            }
        )
    return rows


class FeatureCodesView(ServicesMixin, View):
    def get(self, request):
        return render(
            request,
            "services/feature_codes.html",
            {"codes": feature_code_rows(), "title": _("Feature codes")},
        )
