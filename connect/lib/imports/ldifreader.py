"""LDIF reader (RFC 2849) for directory exports, built on the `ldif` package's parser.

Accepts what Active Directory's own tools write (`ldifde -f users.ldf`, with or without `-u`):
`changetype: add` records or plain content records, base64 values (`attr:: ...`, how AD writes
æøå), folded lines, CRLF line ends, UTF-8 (with or without BOM) and UTF-16 with BOM.

Refused with the line number, before anything is imported:
- records with `changetype: modify/delete/modrdn/moddn` (they would change directory data);
- URL values (`attr:< file:///etc/passwd`): never fetched, the file is refused;
- lines longer than IMPORT_MAX_LINE_CHARS, more than IMPORT_MAX_LDIF_ENTRIES entries (counted
  while streaming: a file with a million entries is refused after the limit, never held in
  memory), values that are not UTF-8 text where text is expected.
"""

import binascii
import io
from dataclasses import dataclass

import ldif
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from connect.lib.imports.errors import FileError
from connect.lib.imports.readers import raw_binary


@dataclass
class LdifEntry:
    """One entry: `line` where it starts, its DN, attributes by lower-cased name -> [values].
    Values are str, or bytes for binary attributes (objectGUID, thumbnailPhoto ...)."""

    line: int
    dn: str
    attrs: dict

    def first(self, name, default=""):
        values = self.attrs.get(name.lower())
        if not values:
            return default
        return values[0]

    def all(self, name):
        return self.attrs.get(name.lower(), [])


def _max_entries():
    return getattr(settings, "IMPORT_MAX_LDIF_ENTRIES", 50_000)


def _max_line_chars():
    return getattr(settings, "IMPORT_MAX_LINE_CHARS", 100_000)


class _Utf16ToUtf8:
    """readline() of a UTF-16 stream, re-encoded as UTF-8 bytes (ldifde -u writes UTF-16LE)."""

    def __init__(self, raw):
        self.text = io.TextIOWrapper(raw, encoding="utf-16", newline="")

    def readline(self, limit=-1):
        try:
            return self.text.readline(limit).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileError(_("The file is not valid UTF-16 text."), code="encoding") from exc

    def detach(self):
        self.text.detach()


class _Source:
    """A binary line source with BOM handling and a line-length cap."""

    def __init__(self, fileobj):
        raw = raw_binary(fileobj)
        raw.seek(0)
        head = raw.read(4)
        raw.seek(0)
        self.wrapper = None
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            self.wrapper = _Utf16ToUtf8(raw)
            self.stream = self.wrapper
        else:
            if head.startswith(b"\xef\xbb\xbf"):
                raw.read(3)
            self.stream = raw
        self.cap = _max_line_chars()
        self.line = 0

    def readline(self):
        line = self.stream.readline(self.cap + 1)
        if line:
            self.line += 1
            if len(line) > self.cap:
                raise FileError(
                    _("Line %(line)s is longer than %(max)s characters; this is not a directory export."),
                    code="line_too_long",
                    params={"line": self.line, "max": self.cap},
                )
        return line

    def close(self):
        if self.wrapper is not None:
            self.wrapper.detach()


class EntryReader(ldif.LDIFParser):
    """Streams LdifEntry objects; keeps the `ldif` package's value decoding (base64, UTF-8) and
    replaces its line handling so every error carries a line number and URLs are refused."""

    def __init__(self, fileobj):
        self.source = _Source(fileobj)
        super().__init__(self.source, process_url_schemes=(), strict=True)

    # Unfolded logical lines with the number of the physical line they start on.
    def _numbered_lines(self):
        source = self.source
        line = source.readline()
        while line:
            number = source.line
            line = self._strip_line_sep(line)
            nextline = source.readline()
            while nextline and nextline[:1] == b" ":
                line += self._strip_line_sep(nextline)[1:]
                nextline = source.readline()
            if not line.startswith(b"#"):
                yield number, line
            line = nextline

    def _numbered_blocks(self):
        block = []
        for number, line in self._numbered_lines():
            if line.strip():
                block.append((number, line))
            elif block:
                yield block
                block = []
        if block:
            yield block

    def _refuse(self, message, number, **params):
        raise FileError(message, code="ldif", params={"line": number, **params})

    def entries(self):
        """Yield LdifEntry per record; raises FileError (translated, with line numbers)."""
        count = 0
        limit = _max_entries()
        try:
            for block in self._numbered_blocks():
                entry = self._entry(block)
                if entry is None:
                    continue
                count += 1
                if count > limit:
                    raise FileError(
                        _("The file has more than %(max)s entries; export a smaller part of the directory."),
                        code="too_many_entries",
                        params={"max": limit},
                    )
                yield entry
        finally:
            self.source.close()

    def _entry(self, block):
        dn = None
        attrs = {}
        start = block[0][0]
        for number, line in block:
            colon = line.find(b":")
            if colon <= 0:
                self._refuse(_("Line %(line)s is not an “attribute: value” line."), number)
            if line[colon : colon + 2] == b":<":
                self._refuse(
                    _("Line %(line)s refers to a URL (“:<”). URL values are never fetched; the file was refused."),
                    number,
                )
            try:
                attr_type, value = self._parse_attr(line)
            except (ValueError, binascii.Error, UnicodeError):
                self._refuse(_("Line %(line)s could not be read (invalid base64 or characters)."), number)
            name = attr_type.strip().lower()
            if name == "version" and dn is None:
                continue
            if name == "dn":
                if dn is not None:
                    self._refuse(_("Line %(line)s: a second “dn:” line in one entry."), number)
                dn = value if isinstance(value, str) else value.decode("utf-8", "replace")
                continue
            if dn is None:
                self._refuse(_("Line %(line)s: an entry must start with a “dn:” line."), number)
            if name == "changetype":
                kind = (value if isinstance(value, str) else value.decode("ascii", "replace")).strip().lower()
                if kind != "add":
                    self._refuse(
                        _(
                            "Line %(line)s: “changetype: %(kind)s” records would change or delete directory data and "
                            "are not accepted. Export the users with ldifde -f (entries only)."
                        ),
                        number,
                        kind=kind[:20],
                    )
                continue
            attrs.setdefault(name, []).append(value)
        if dn is None:
            return None
        return LdifEntry(line=start, dn=dn, attrs=attrs)


def read_ldif(fileobj):
    """Stream the entries of an LDIF file (see module docstring)."""
    return EntryReader(fileobj).entries()


def dn_first_cn(dn):
    """"CN=Salg,OU=Groups,DC=firma,DC=dk" -> "Salg" (escaped commas honoured)."""
    first, escaped = [], False
    for ch in dn:
        if escaped:
            first.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            break
        else:
            first.append(ch)
    rdn = "".join(first)
    if "=" not in rdn:
        return rdn.strip()
    kind, _sep, value = rdn.partition("=")
    return value.strip()
