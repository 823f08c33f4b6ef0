"""Dates read unambiguously: ISO short forms and a 24-hour clock in English, Danish in Danish."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import formats, translation

from customers.models import Job

MOMENT = datetime(2026, 12, 4, 18, 29, tzinfo=ZoneInfo("Europe/Copenhagen"))


@pytest.mark.parametrize(
    ("language", "short", "long"),
    [("en", "2026-12-04 18:29", "4 Dec 2026, 18:29"), ("da", "04.12.2026 18:29", "4. december 2026 18:29")],
)
def test_date_formats_have_a_24_hour_clock_and_no_month_day_ambiguity(language, short, long):
    with translation.override(language):
        assert formats.date_format(MOMENT, "SHORT_DATETIME_FORMAT") == short
        assert formats.date_format(MOMENT, "DATETIME_FORMAT") == long


def test_the_english_job_list_shows_iso_dates_not_us_ones(client_a, org_a, admin_a):
    job = Job.objects.create(organisation=org_a, kind=Job.Kind.USERS_EXPORT, created_by=admin_a)
    Job.objects.filter(pk=job.pk).update(created_at=MOMENT)
    client_a.cookies["connect_language"] = "en"
    admin_a.language = "en"
    admin_a.save(update_fields=["language"])
    page = client_a.get(reverse("customers:job_list")).content.decode()
    assert "2026-12-04 18:29" in page
    assert "p.m." not in page and "12/04/2026" not in page
