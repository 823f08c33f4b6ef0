"""CSV upload of a classification's prefixes (ORG-6: "one prefix per line", "Tilføj" / "Erstat").

Through the shared preview / confirm / one-transaction job flow (connect.lib.imports). The file is
read as a stream, line by line (a header such as "Præfiks" is skipped; on a line with separators
the first cell counts), at most IMPORT_MAX_ROWS lines. Prefixes already in the list are unchanged,
repeats in the file are skipped, and "replace" removes the prefixes the file does not name.
"""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from connect.lib.i18n import message
from connect.lib.imports import Action, Importer, RowResult
from connect.lib.imports.errors import FileError
from connect.lib.imports.files import detect_text_encoding
from connect.lib.imports.readers import Row, raw_binary
from customers.models import ClassificationPrefix, NumberClassification
from customers.numbertypes import prefix_clean
from customers.operations.numbertypes import classification_update

HEADERS = {"prefix", "prefixes", "præfiks", "præfikser", "prefiks"}
MAX_LINE = 200
COLUMN = "Præfiks"


class PrefixesImporter(Importer):
    formats = ("csv",)
    unit = "line"

    def __init__(self, *, organisation, by=None, classification_id, mode):
        super().__init__(organisation=organisation, by=by)
        self.classification = NumberClassification.objects.for_organisation(organisation).get(pk=classification_id)
        self.mode = mode

    def rows(self, fileobj, fmt):
        raw = raw_binary(fileobj)
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding=detect_text_encoding(raw), newline="", errors="strict")
        limit = getattr(settings, "IMPORT_MAX_ROWS", 50_000)
        count = 0
        try:
            for number, line in enumerate(iter(lambda: text.readline(MAX_LINE + 1), ""), start=1):
                if len(line) > MAX_LINE:
                    raise FileError(
                        _("Line %(line)s is longer than %(max)s characters; this is not a list of prefixes."),
                        code="line_too_long",
                        params={"line": number, "max": MAX_LINE},
                    )
                cell = line.strip().strip("\ufeff")
                for separator in (";", ",", "\t"):
                    cell = cell.split(separator)[0]
                cell = cell.strip().strip('"').strip()
                if not cell or (count == 0 and cell.lower() in HEADERS):
                    continue
                count += 1
                if count > limit:
                    raise FileError(
                        _("The file has more than %(max)s prefixes; split it into smaller files."),
                        code="too_many_rows",
                        params={"max": limit},
                    )
                yield Row(number=number, data={"prefix": cell}, present=frozenset({"prefix"}), errors=[])
        finally:
            text.detach()

    def prepare(self, rows):
        self.existing = set(ClassificationPrefix.objects.filter(classification=self.classification).values_list("prefix", flat=True))

    def validate(self, row):
        raw = row.data["prefix"]
        result = RowResult(number=row.number, label=raw[:40])
        try:
            prefix = prefix_clean(raw)
        except ValidationError as exc:  # stored as msgid + params: shown in the reader's language
            result.add_error(COLUMN, exc)
            return result
        result.label = prefix
        result.cleaned = prefix
        if prefix in self.existing:
            result.action = Action.UNCHANGED
        else:
            result.changes[COLUMN] = [None, prefix]
        return result

    def validate_all(self, results):
        seen = {}
        for result in results:
            if result.cleaned is None:
                continue
            if result.cleaned in seen:
                result.skip(message(_("Also on line %(line)s."), line=seen[result.cleaned]))
            else:
                seen[result.cleaned] = result.number

    def write(self, results, progress):
        prefixes = [r.cleaned for r in results if r.action in (Action.CREATE, Action.UNCHANGED)]
        if self.mode == "replace":
            classification_update(classification=self.classification, prefixes=prefixes, by=self.by)
        else:
            classification_update(classification=self.classification, add_prefixes=prefixes, by=self.by)
        progress(len(results), len(results))
