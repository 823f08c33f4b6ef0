"""Merge the helpers' Danish translation fragments into the catalogue (used by scripts/i18n).

    python scripts/i18n_merge.py CATALOGUE.po [FRAGMENT.po ...] [--strict]

CATALOGUE.po is what `makemessages -l da` just wrote. Each fragment (locale/fragments/*.po) is a
compendium of msgid -> Danish msgstr. For every catalogue entry the fragment translation wins,
then the catalogue's own existing translation. Guesses are never kept: fuzzy entries (from
msgmerge's fuzzy matching or marked fuzzy in a fragment) become untranslated. Duplicates across
fragments are fine when they agree; when they disagree the first fragment (sorted by file name)
wins and the conflict is reported. Prints the msgids still untranslated; --strict exits 1 then.
"""

import sys
from pathlib import Path

import polib

HEADER = {
    "Project-Id-Version": "Connect",
    "Last-Translator": "Connect <noreply@connect.example>",
    "Language-Team": "Danish",
    "Language": "da",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=2; plural=(n != 1);",
}


def key(entry):
    return (entry.msgctxt or "", entry.msgid)


def translation_of(entry):
    """The translation carried by an entry: a str, a tuple of plural forms, or None if empty."""
    if entry.obsolete or entry.fuzzy or not entry.msgid:
        return None
    if entry.msgid_plural:
        forms = tuple(entry.msgstr_plural.get(i, "") for i in sorted(entry.msgstr_plural))
        return forms if forms and all(forms) else None
    return entry.msgstr or None


def load_fragments(paths):
    merged, sources, conflicts = {}, {}, []
    for path in sorted(paths, key=lambda p: Path(p).name):
        try:
            fragment = polib.pofile(str(path), wrapwidth=0)
        except (OSError, ValueError) as exc:
            print(f"SKIPPED {Path(path).name}: not a valid PO file ({exc})")
            continue
        for entry in fragment:
            value = translation_of(entry)
            if value is None:
                continue
            k = key(entry)
            if k in merged and merged[k] != value:
                conflicts.append((k, sources[k], merged[k], Path(path).name, value))
                continue
            if k not in merged:
                merged[k], sources[k] = value, Path(path).name
    return merged, sources, conflicts


def apply(entry, value):
    if isinstance(value, tuple):
        if not entry.msgid_plural:
            return False
        entry.msgstr_plural = dict(enumerate(value))
    else:
        if entry.msgid_plural:
            return False
        entry.msgstr = value
    return True


def clear(entry):
    if entry.msgid_plural:
        entry.msgstr_plural = {i: "" for i in entry.msgstr_plural} or {0: "", 1: ""}
    else:
        entry.msgstr = ""


def merge(catalogue_path, fragment_paths):
    po = polib.pofile(str(catalogue_path), wrapwidth=0)
    fragments, sources, conflicts = load_fragments(fragment_paths)
    po.metadata.update(HEADER)
    po.metadata["PO-Revision-Date"] = po.metadata.get("POT-Creation-Date", "")
    po.header = "Danish translation of the Connect portal. Built by scripts/i18n from locale/fragments/*.po: edit those."
    po.metadata_is_fuzzy = False
    used = set()
    for entry in po:
        if entry.obsolete:
            continue
        k = key(entry)
        was_fuzzy = entry.fuzzy
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        if k in fragments and apply(entry, fragments[k]):
            used.add(k)
        elif was_fuzzy:
            clear(entry)
    # Obsolete entries (#~) only add noise to diffs.
    for entry in [e for e in po if e.obsolete]:
        po.remove(entry)
    po.save(str(catalogue_path))
    untranslated = [e for e in po if not e.obsolete and not e.translated()]
    return po, untranslated, conflicts, sorted(set(fragments) - used, key=str), sources


def main(argv):
    strict = "--strict" in argv
    args = [a for a in argv if a != "--strict"]
    if not args:
        print(__doc__)
        return 2
    catalogue, fragment_paths = Path(args[0]), [Path(p) for p in args[1:]]
    po, untranslated, conflicts, unused, sources = merge(catalogue, fragment_paths)
    for (ctx, msgid), first_file, first, other_file, other in conflicts:
        print(f"CONFLICT {msgid!r}{' ctx ' + ctx if ctx else ''}: {first_file} says {first!r}, "
              f"{other_file} says {other!r} (kept {first_file})")
    if unused:
        print(f"{len(unused)} fragment entries are not (or no longer) in the source; ignored:")
        for ctx, msgid in unused:
            print(f"  unused: {msgid!r}" + (f" (ctx {ctx}) from {sources[(ctx, msgid)]}" if ctx else f" from {sources[(ctx, msgid)]}"))
    total = len([e for e in po if not e.obsolete])
    print(f"{catalogue}: {total - len(untranslated)}/{total} translated, "
          f"{len(fragment_paths)} fragments, {len(conflicts)} conflicts")
    if untranslated:
        print(f"{len(untranslated)} untranslated msgids:")
        for entry in untranslated:
            where = entry.occurrences[0][0] if entry.occurrences else "?"
            print(f"  {entry.msgid!r}  ({where})")
    return 1 if (strict and untranslated) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
