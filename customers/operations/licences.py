"""The licence report (ORG-4, Licensbrug) as an export Job (ARCHITECTURE.md invariant 5).

CSV: one row per licence type (Licence, In use, Quota), an empty line, then one row per user
(Username, Name, Licence, Mobile client licence), in the language of whoever started the job and
safe against formula injection (connect.lib.imports.export). XLSX: the same two tables on the
sheets "Summary" and "Users", with a bar chart of use against quota on the summary sheet; text
cells are never formulas, the figures are numbers (the chart needs them).
"""

import tempfile

from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from connect.lib.imports import Column, text_cell, write_csv_sections, xlsx_text
from customers.queries_licences import licence_usage, licence_user_rows


def _columns():
    summary = [Column("licence", gettext("Licence")), Column("in_use", gettext("Number in use")), Column("quota", gettext("Quota"))]
    users = [
        Column("username", gettext("Username")),
        Column("name", gettext("Name")),
        Column("licence", gettext("Licence")),
        Column("mobile_licence", pgettext("licence report", "Mobile client licence")),
    ]
    return summary, users


def _summary_rows(usage):
    for row in usage:
        yield {"licence": row.name, "in_use": row.in_use, "quota": "" if row.quota is None else row.quota}


def _user_rows(organisation, progress, total):
    for done, (username, name, licence, mobile) in enumerate(licence_user_rows(organisation), start=1):
        if done % 1000 == 0:
            progress(done, total)
        yield {"username": username, "name": name, "licence": licence, "mobile_licence": mobile}


def write_licence_csv(stream, organisation, *, progress=lambda done, total: None, total=0):
    summary, users = _columns()
    usage = licence_usage(organisation)
    write_csv_sections(stream, [(summary, _summary_rows(usage)), (users, _user_rows(organisation, progress, total))])


def write_licence_xlsx(stream, organisation, *, progress=lambda done, total: None, total=0):
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.label import DataLabelList

    summary_columns, user_columns = _columns()
    usage = licence_usage(organisation)
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(title=pgettext("licence report", "Summary")[:31])
    summary.append([text_cell(summary, c.header) for c in summary_columns])
    for row in usage:
        summary.append([text_cell(summary, row.name), row.in_use, row.quota])
    if usage:
        chart = BarChart()
        chart.type = "bar"
        chart.title = gettext("Licences in use against quota")
        chart.y_axis.title = gettext("Users")
        chart.dataLabels = DataLabelList(showVal=True)
        last = len(usage) + 1
        chart.add_data(Reference(summary, min_col=2, max_col=3, min_row=1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(summary, min_col=1, min_row=2, max_row=last))
        chart.height, chart.width = 4 + 1.2 * len(usage), 18
        summary.add_chart(chart, "E2")
    users = workbook.create_sheet(title=gettext("Users")[:31])
    users.append([text_cell(users, c.header) for c in user_columns])
    for row in _user_rows(organisation, progress, total):
        users.append([xlsx_text(users, row[c.key]) for c in user_columns])
    workbook.save(stream)


def licence_report_file(organisation, fmt, *, progress=lambda done, total: None, total=0):
    """A temporary file with the licence report of `organisation` as CSV or XLSX."""
    handle = tempfile.TemporaryFile()
    writer = write_licence_xlsx if fmt == "xlsx" else write_licence_csv
    writer(handle, organisation, progress=progress, total=total)
    handle.seek(0)
    return handle


class LicenceReportHandler:
    """The RUN stage of the licence report job (idempotent: it rewrites its file)."""

    def run(self, job, progress):
        from customers.models import User

        fmt = "xlsx" if (job.params or {}).get("format") == "xlsx" else "csv"
        organisation = job.organisation
        total = User.objects.for_organisation(organisation).count()
        progress(0, total)
        handle = licence_report_file(organisation, fmt, progress=progress, total=total)
        try:
            if job.result_file:
                job.result_file.delete(save=False)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            file_name = f"{gettext('licences')}-{stamp}.{fmt}"
            job.result_file.save(file_name, File(handle), save=False)
        finally:
            handle.close()
        return {
            "result_file": job.result_file.name,
            "file_name": file_name,
            "counts": {"total": total},
            "progress_done": total,
            "progress_total": total,
            "message": gettext("Licence report of %(count)d users.") % {"count": total},
        }
