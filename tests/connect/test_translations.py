"""The Danish catalogue is complete, current and compiled (ARCHITECTURE.md convention 9).

`./scripts/i18n` rebuilds locale/da from the source and locale/fragments/*.po; these tests fail
when someone forgot to run it (or a fragment lacks a translation).
"""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
LOCALE = BASE_DIR / "locale"
PO = LOCALE / "da" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# The same arguments as scripts/i18n.
MAKEMESSAGES = [
    "makemessages", "-l", "da", "--no-obsolete", "--add-location=file",
    "--ignore=.venv", "--ignore=node_modules", "--ignore=tests", "--ignore=bench",
    "--ignore=staticfiles", "--ignore=test-artifacts", "--ignore=scripts", "--ignore=media",
]
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "tests", "bench", "staticfiles", "media", "test-artifacts",
    "__pycache__", "*.pyc", "*.sqlite3", ".pytest_cache", ".ruff_cache", ".hypothesis", "sms-outbox",
)
HINT = "run ./scripts/i18n (and add the missing Danish wording to locale/fragments/<area>.po)"


def keys(po):
    return {(e.msgctxt or "", e.msgid, e.msgid_plural or "") for e in po if not e.obsolete and e.msgid}


@pytest.fixture(scope="module")
def catalogue():
    if not PO.exists():
        pytest.fail(f"{PO.relative_to(BASE_DIR)} is missing: {HINT}")
    return polib.pofile(str(PO))


def require_gettext():
    if not shutil.which("msgfmt") or not shutil.which("xgettext"):
        pytest.fail("GNU gettext (Debian package gettext) is needed; ./scripts/test installs it as root")


def test_no_entry_is_empty_or_fuzzy(catalogue):
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    empty = [e.msgid for e in catalogue.untranslated_entries() if not e.fuzzy]
    assert not fuzzy, f"fuzzy entries in django.po: {fuzzy[:20]} ({HINT})"
    assert not empty, f"{len(empty)} untranslated msgids, e.g. {empty[:20]} ({HINT})"


def test_makemessages_would_not_change_the_msgids(catalogue, tmp_path):
    require_gettext()
    copy = tmp_path / "project"
    shutil.copytree(BASE_DIR, copy, ignore=COPY_IGNORE, symlinks=True)
    subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES],
        cwd=copy, check=True, capture_output=True, text=True, timeout=300,
        env={"PATH": os.environ["PATH"], "DEBUG": "1", "HOME": str(tmp_path)},
    )
    fresh = keys(polib.pofile(str(copy / "locale" / "da" / "LC_MESSAGES" / "django.po")))
    current = keys(catalogue)
    new = sorted(fresh - current)
    stale = sorted(current - fresh)
    assert not new, f"msgids in the code but not in django.po: {[k[1] for k in new][:20]} ({HINT})"
    assert not stale, f"msgids in django.po no longer in the code: {[k[1] for k in stale][:20]} ({HINT})"


def test_mo_is_compiled_from_the_current_po(catalogue, tmp_path):
    require_gettext()
    assert MO.exists(), f"{MO.relative_to(BASE_DIR)} is missing: {HINT}"
    fresh_mo = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh_mo), str(PO)], check=True, timeout=60)
    with MO.open("rb") as current, fresh_mo.open("rb") as fresh:
        assert gettext.GNUTranslations(current)._catalog == gettext.GNUTranslations(fresh)._catalog, (
            f"django.mo is not compiled from the current django.po: {HINT}"
        )


def test_fragments_are_valid_po():
    require_gettext()
    for fragment in sorted((LOCALE / "fragments").glob("*.po")):
        result = subprocess.run(
            ["msgfmt", "--check-format", "-o", "/dev/null", str(fragment)], capture_output=True, text=True
        )
        assert result.returncode == 0, f"{fragment.name}: {result.stderr}"

