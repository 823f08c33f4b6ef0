"""Number type classification (ORG-6) and blocking groups (ORG-10)."""

import io
import tracemalloc

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connect.lib.imports.errors import FileError
from customers import operations
from customers.models import BlockingGroup, ClassificationPrefix, NumberClassification
from customers.numbertypes import classification_table, classify, prefix_clean
from customers.operations.prefix_import import PrefixesImporter

DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=8)


# --- the rule engine ---------------------------------------------------------------------------


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["", "+"]), DIGITS), max_size=12), st.sampled_from(["", "+"]), DIGITS)
def test_classify_finds_the_longest_matching_prefix(prefix_parts, sign, digits):
    prefixes = [sign_ + body for sign_, body in prefix_parts]
    table = classification_table((p, f"class-{p}") for p in prefixes)
    number = sign + digits
    match = classify(table, number)
    matching = [p for p in prefixes if number.startswith(p)]
    if not matching:
        assert match is None
    else:
        longest = max(matching, key=len)
        assert match.prefix == longest and match.classification == f"class-{longest}"


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=20))
def test_a_prefix_is_digits_with_an_optional_plus_or_a_validation_error(raw):
    try:
        prefix = prefix_clean(raw)
    except ValidationError:
        return
    body = prefix[1:] if prefix.startswith("+") else prefix
    assert all("0" <= c <= "9" for c in body) and (body or prefix == "+")


@pytest.mark.parametrize("raw", ["45a", "+45 70", "٤٥", "４５", "++", "", "12-34", "1" * 17])
def test_bad_prefixes_are_refused(raw):
    with pytest.raises(ValidationError):
        prefix_clean(raw)


def test_00_is_written_as_plus():
    assert prefix_clean("0045") == "+45" and prefix_clean("00") == prefix_clean("+") == "+"


# --- pages -------------------------------------------------------------------------------------


def test_an_admin_builds_a_prefix_list_then_saves_it(client_a, org_a):
    url = reverse("customers:classification_create")
    page = client_a.post(url, {"name": "Udland", "new_prefix": "00", "add": "1"})
    assert page.status_code == 200 and 'name="prefixes" value="+"' in page.content.decode()
    page = client_a.post(url, {"name": "Udland", "new_prefix": "4 5", "add": "1"})
    assert page.status_code == 400 and "is not a prefix" in page.content.decode()  # a field error
    page = client_a.post(url, {"name": "Udland", "prefixes": ["+44"], "new_prefix": "0046", "add": "1"})
    html = page.content.decode()
    assert 'name="prefixes" value="+44"' in html and 'name="prefixes" value="+46"' in html
    page = client_a.post(url, {"name": "Udland", "prefixes": ["+44", "+46"], "remove": "+44"})
    assert 'value="+44"' not in page.content.decode()
    assert not NumberClassification.objects.exists()  # nothing saved before "Gem"
    response = client_a.post(url, {"name": "Udland", "prefixes": ["+46", "+47"], "save": "1"})
    assert response.status_code == 302
    classification = NumberClassification.objects.get(organisation=org_a)
    assert sorted(classification.prefixes.values_list("prefix", flat=True)) == ["+46", "+47"]


def test_names_are_unique_whatever_their_case(client_a, org_a, admin_a):
    operations.classification_create(organisation=org_a, name="Udland", prefixes=["+"], by=admin_a)
    response = client_a.post(reverse("customers:classification_create"), {"name": "UDLAND", "save": "1"})
    assert response.status_code == 400 and "already used" in response.content.decode()
    assert NumberClassification.objects.count() == 1


def test_a_bad_prefix_in_the_saved_list_is_reported_and_nothing_is_written(client_a):
    response = client_a.post(reverse("customers:classification_create"), {"name": "X", "prefixes": ["12a"], "save": "1"})
    assert response.status_code == 400 and "is not a prefix" in response.content.decode()
    assert not NumberClassification.objects.exists()


def test_the_tester_shows_the_longest_prefix_classification(client_a, org_a, admin_a):
    operations.classification_create(organisation=org_a, name="Udland", prefixes=["+"], by=admin_a)
    operations.classification_create(organisation=org_a, name="Betalingsnumre", prefixes=["+4590"], by=admin_a)
    url = reverse("customers:classify_number")
    page = client_a.get(url, {"number": "90 12 34 56"}).content.decode()
    assert "+4590123456" in page and "Betalingsnumre" in page and "+4590" in page
    assert "Udland" in client_a.get(url, {"number": "0046 8 123 456 78"}).content.decode()
    assert "matches no classification" in client_a.get(url, {"number": "1500"}).content.decode()


def test_another_organisations_classification_is_404(client_b, org_a, admin_a):
    classification = operations.classification_create(organisation=org_a, name="Udland", prefixes=["+"], by=admin_a)
    for name in ("classification_update", "classification_delete", "classification_import"):
        url = reverse(f"customers:{name}", args=[classification.pk])
        assert client_b.get(url).status_code == 404
        assert client_b.post(url, {"name": "stolen", "save": "1"}).status_code == 404
    classification.refresh_from_db()
    assert classification.name == "Udland"
    # and the tester never shows org A's classifications to org B
    assert "Udland" not in client_b.get(reverse("customers:classify_number"), {"number": "+4412"}).content.decode()


# --- CSV upload of prefixes --------------------------------------------------------------------


def csv_file(text):
    return io.BytesIO(text.encode("utf-8"))


@pytest.fixture
def udland(org_a, admin_a):
    return operations.classification_create(organisation=org_a, name="Udland", prefixes=["+44", "+45"], by=admin_a)


def test_csv_add_appends_and_replace_replaces(org_a, admin_a, udland):
    text = "Præfiks\r\n+46\r\n0047\r\n+46\r\n+44\r\n"
    importer = PrefixesImporter(organisation=org_a, by=admin_a, classification_id=udland.pk, mode="add")
    preview = importer.preview(csv_file(text), "csv")
    assert [r.action for r in preview.results] == ["create", "create", "skip", "unchanged"]
    assert ClassificationPrefix.objects.filter(classification=udland).count() == 2  # preview writes nothing
    with transaction.atomic():
        importer.commit(csv_file(text), "csv")
    assert sorted(udland.prefixes.values_list("prefix", flat=True)) == ["+44", "+45", "+46", "+47"]
    replace = PrefixesImporter(organisation=org_a, by=admin_a, classification_id=udland.pk, mode="replace")
    with transaction.atomic():
        replace.commit(csv_file("+48\n+44\n"), "csv")
    assert sorted(udland.prefixes.values_list("prefix", flat=True)) == ["+44", "+48"]


def test_csv_with_bad_prefixes_reports_each_line_and_changes_nothing(org_a, admin_a, udland):
    importer = PrefixesImporter(organisation=org_a, by=admin_a, classification_id=udland.pk, mode="replace")
    preview = importer.preview(csv_file("+46\nabc\n4 5\n٤٥\n"), "csv")
    assert preview.counts()["error"] == 3
    assert "Line 2, Præfiks" in "\n".join(preview.error_messages())
    assert sorted(udland.prefixes.values_list("prefix", flat=True)) == ["+44", "+45"]


def test_a_huge_prefix_file_is_refused_with_bounded_memory(org_a, admin_a, udland, settings):
    settings.IMPORT_MAX_ROWS = 50_000
    text = "".join(f"+{n}\n" for n in range(100_000))
    importer = PrefixesImporter(organisation=org_a, by=admin_a, classification_id=udland.pk, mode="add")
    tracemalloc.start()
    try:
        with pytest.raises(FileError, match="more than 50000 prefixes"):
            for _row in importer.rows(csv_file(text), "csv"):
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # read as a stream: no list of 100,000 rows


def test_the_upload_page_starts_a_job_that_adds_after_confirmation(client_a, org_a, udland, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from customers.models import Job

    upload = SimpleUploadedFile("prefixes.csv", b"+46\n+47\n", content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("customers:classification_import", args=[udland.pk]), {"file": upload, "mode": "replace"})
    job = Job.objects.get(kind=Job.Kind.PREFIXES_IMPORT)
    assert response.status_code == 302 and job.params["mode"] == "replace" and job.status == Job.Status.PREVIEW
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(reverse("customers:job_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert sorted(udland.prefixes.values_list("prefix", flat=True)) == ["+46", "+47"]


# --- blocking groups ---------------------------------------------------------------------------


def test_a_blocking_group_with_classifications_and_extra_prefixes(client_a, org_a, udland):
    response = client_a.post(
        reverse("customers:blockinggroup_create"),
        {"name": "Nat", "classifications": [udland.pk], "extra_prefixes_text": "+4590\n1818\n"},
    )
    assert response.status_code == 302
    group = BlockingGroup.objects.get(organisation=org_a)
    assert list(group.classifications.all()) == [udland] and group.extra_prefixes == ["+4590", "1818"]
    page = client_a.get(reverse("customers:blockinggroup_list")).content.decode()
    assert "Nat" in page and "Udland" in page and "+4590" in page


def test_a_bad_extra_prefix_is_a_field_error(client_a, org_a):
    response = client_a.post(reverse("customers:blockinggroup_create"), {"name": "Nat", "extra_prefixes_text": "+45 90"})
    assert response.status_code == 200 and "is not a prefix" in response.content.decode()
    assert not BlockingGroup.objects.exists()


def test_a_classification_in_a_blocking_group_cannot_be_deleted(client_a, org_a, admin_a, udland):
    group = operations.blockinggroup_create(organisation=org_a, by=admin_a, name="Nat", classifications=[udland])
    url = reverse("customers:classification_delete", args=[udland.pk])
    page = client_a.get(url).content.decode()
    assert "cannot be deleted" in page and reverse("customers:blockinggroup_update", args=[group.pk]) in page
    client_a.post(url)
    assert NumberClassification.objects.filter(pk=udland.pk).exists()


def test_another_organisations_classification_cannot_be_chosen(client_a, org_a, org_b, admin_b):
    foreign = operations.classification_create(organisation=org_b, name="Fremmed", prefixes=["+1"], by=admin_b)
    response = client_a.post(reverse("customers:blockinggroup_create"), {"name": "Nat", "classifications": [foreign.pk]})
    assert response.status_code == 200 and not BlockingGroup.objects.exists()
