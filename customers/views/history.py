from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from connect.lib.tenancy import scoped
from connect.lib.views import PortalMixin
from customers.models import AuditEntry

# Snapshot keys that say nothing to an admin: the row's own id and the organisation it belongs to.
HIDDEN_KEYS = {"id", "organisation"}
# Keys the operations write that are not model fields (see customers.operations.users).
SUMMARY_LABELS = {
    "primary_line": gettext_lazy("Primary line"),
    "secondary_line": gettext_lazy("Secondary line"),
    "mobile_number": gettext_lazy("Mobile phone number"),
    "password": gettext_lazy("Password"),
    "welcome_message": gettext_lazy("Welcome message"),
}


class ChangeDescriber:
    """Turns an audit entry's {field: [old, new]} (raw snapshot strings) into rows an admin reads:
    the field's label, "Yes"/"No" for checkboxes, choice labels, and the name of a related row
    instead of its id. Keys that are not model fields (e.g. "primary_line") are shown as they are."""

    def __init__(self, model):
        self.model = model
        self.related = {}  # (model, pk) -> str, so a page of entries looks each row up once

    def field(self, name):
        if self.model is None:
            return None
        try:
            return self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None

    def rows(self, changes):
        rows = []
        for name, (old, new) in changes.items():
            if name in HIDDEN_KEYS:
                continue
            field = self.field(name)
            old, new = self.value(field, old), self.value(field, new)
            if old != new:  # e.g. "" and None: both shown as "—"
                rows.append((self.label(name, field), old, new))
        return rows

    @staticmethod
    def label(name, field):
        if field is not None and hasattr(field, "verbose_name"):
            text = str(field.verbose_name)
            return text if text[1:2].isupper() else capfirst(text)  # "iPad" stays "iPad"
        if name.startswith("directory:"):
            return name.partition(":")[2]
        return SUMMARY_LABELS.get(name, name)

    def value(self, field, raw):
        if raw is None or raw == "" or raw == []:
            return "—"
        if isinstance(raw, list):
            return ", ".join(str(v) for v in raw)
        if field is None:
            return raw
        if raw in ("True", "False"):
            return _("Yes") if raw == "True" else _("No")
        if field.choices:
            return str(dict((str(k), v) for k, v in field.flatchoices).get(raw, raw))
        if field.is_relation and field.many_to_one:
            return self.related_name(field.related_model, raw)
        if isinstance(field, models.DateTimeField) and (moment := parse_datetime(raw)) is not None:
            return formats.date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "SHORT_DATETIME_FORMAT")
        if isinstance(field, models.DateField) and (day := parse_date(raw)) is not None:
            return formats.date_format(day, "SHORT_DATE_FORMAT")
        return raw

    def related_name(self, model, pk):
        key = (model, pk)
        if key not in self.related:
            obj = model._default_manager.filter(pk=pk).first()
            self.related[key] = str(obj) if obj is not None else f"#{pk}"
        return self.related[key]


class HistoryView(PortalMixin, View):
    """"Historik": the audit entries of one object of the organisation."""

    def get(self, request, content_type_id, object_id):
        content_type = get_object_or_404(ContentType, pk=content_type_id)
        entries = scoped(AuditEntry, self.organisation).filter(content_type=content_type, object_id=object_id)
        page = Paginator(entries.select_related("actor"), 50).get_page(request.GET.get("page"))
        if not page.object_list:
            raise Http404
        model = content_type.model_class()
        describer = ChangeDescriber(model)
        for entry in page.object_list:
            entry.change_rows = describer.rows(entry.changes or {})
        # The object's current name, in the reader's language; the recorded one once it is deleted.
        try:
            current = model._default_manager.filter(pk=object_id).first() if model is not None else None
        except (ValueError, ValidationError):
            current = None
        object_repr = str(current) if current is not None else page.object_list[0].object_repr
        return render(request, "customers/history.html", {"page_obj": page, "object_repr": object_repr})


history = HistoryView.as_view()
