"""Checks on an uploaded file before anything parses it.

- `check_upload(file, formats)`: extension, content type, empty, size limit and the first bytes
  (an .xlsx must be a zip, a text file must not be one) -> the format ("csv", "xlsx", "ldif").
- `check_xlsx_safe(file)`: zip bombs (member sizes, compression ratios, member count) and XML
  entity bombs (any DTD) are refused before openpyxl opens the workbook.
- `detect_text_encoding(file)`: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252
  (what Excel in a Danish locale writes); a file that is neither is refused with its line number.

Everything reads the file in chunks, so memory stays bounded whatever the upload holds.
"""

import codecs
import os
import re
import zipfile

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from connect.lib.imports.errors import FileError

CHUNK = 1024 * 1024

EXTENSIONS = {
    "csv": (".csv", ".txt"),
    "xlsx": (".xlsx",),
    "ldif": (".ldif", ".ldf"),
}

# What browsers and operating systems send for these files. Empty and octet-stream are common
# (Windows sends .ldf as octet-stream, and Excel-less machines send .csv as octet-stream).
CONTENT_TYPES = {
    "csv": {
        "text/csv",
        "text/plain",
        "text/x-csv",
        "text/comma-separated-values",
        "application/csv",
        "application/x-csv",
        "application/vnd.ms-excel",
        "application/octet-stream",
        "",
    },
    "xlsx": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/octet-stream",
        "application/zip",
        "application/x-zip-compressed",
        "",
    },
    "ldif": {
        "text/plain",
        "text/x-ldif",
        "application/ldif",
        "text/directory",
        "application/octet-stream",
        "",
    },
}

ZIP_MAGIC = b"PK\x03\x04"
# Files that are certainly not text whatever their name says.
BINARY_MAGICS = (ZIP_MAGIC, b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11\xe0", b"\x1f\x8b", b"MZ")

# Excel's CP-1252 leaves these five bytes undefined; a file containing them is not CP-1252.
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
# A valid multi-byte UTF-8 sequence (2-4 bytes).
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def limit(name, default):
    return getattr(settings, name, default)


def max_bytes():
    return limit("IMPORT_MAX_BYTES", 20 * 1024 * 1024)


def extension_of(name):
    return os.path.splitext(name or "")[1].lower()


def _rewind(fileobj):
    try:
        fileobj.seek(0)
    except (AttributeError, OSError):
        pass


def _size(fileobj):
    size = getattr(fileobj, "size", None)
    if size is None:
        pos = fileobj.tell()
        fileobj.seek(0, os.SEEK_END)
        size = fileobj.tell()
        fileobj.seek(pos)
    return size


def allowed_extensions(formats):
    return [ext for fmt in formats for ext in EXTENSIONS[fmt]]


def check_upload(fileobj, formats, name=None, content_type=None):
    """Refuse what is obviously not an importable file; return its format.

    `fileobj` is a Django UploadedFile or any binary file object (then give `name`).
    """
    name = name if name is not None else getattr(fileobj, "name", "")
    content_type = content_type if content_type is not None else getattr(fileobj, "content_type", "")
    content_type = (content_type or "").split(";")[0].strip().lower()
    ext = extension_of(name)
    fmt = next((f for f in formats if ext in EXTENSIONS[f]), None)
    if fmt is None:
        raise FileError(
            _("The file must have one of the extensions %(extensions)s."),
            code="extension",
            params={"extensions": ", ".join(allowed_extensions(formats))},
        )
    if content_type not in CONTENT_TYPES[fmt]:
        raise FileError(
            _("The file type “%(type)s” does not match the extension %(ext)s."),
            code="content_type",
            params={"type": content_type, "ext": ext},
        )
    size = _size(fileobj)
    if size == 0:
        raise FileError(_("The file is empty."), code="empty")
    if size > max_bytes():
        raise FileError(
            _("The file is %(size)s; the limit is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(max_bytes())},
        )
    _rewind(fileobj)
    head = fileobj.read(8)
    _rewind(fileobj)
    if fmt == "xlsx":
        if not head.startswith(ZIP_MAGIC):
            raise FileError(_("The file is not an Excel workbook (.xlsx)."), code="content")
        check_xlsx_safe(fileobj)
    elif any(head.startswith(magic) for magic in BINARY_MAGICS):
        raise FileError(
            _("The file is not a text file. Save it as %(kind)s and try again."),
            code="content",
            params={"kind": "CSV" if fmt == "csv" else "LDIF"},
        )
    return fmt


# --- XLSX -------------------------------------------------------------------------------------


def check_xlsx_safe(fileobj):
    """Refuse zip bombs and XML with a DTD (entity bombs, external entities) before parsing.

    Limits: IMPORT_XLSX_MAX_UNCOMPRESSED bytes in total and per member, a compression ratio of at
    most IMPORT_XLSX_MAX_RATIO for members over 1 MB, at most IMPORT_XLSX_MAX_MEMBERS members.
    Excel never writes a DTD into a workbook, so any <!DOCTYPE or <!ENTITY is refused.
    """
    max_total = limit("IMPORT_XLSX_MAX_UNCOMPRESSED", 100 * 1024 * 1024)
    max_ratio = limit("IMPORT_XLSX_MAX_RATIO", 200)
    max_members = limit("IMPORT_XLSX_MAX_MEMBERS", 1000)
    _rewind(fileobj)
    try:
        archive = zipfile.ZipFile(fileobj)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileError(_("The file is not a valid Excel workbook (.xlsx)."), code="bad_zip") from exc
    bomb = FileError(
        _("The workbook unpacks to far more data than a user list holds and was refused."), code="zip_bomb"
    )
    if len(infos) > max_members:
        raise bomb
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > max_total or total > max_total:
            raise bomb
        if info.file_size > 1024 * 1024 and info.file_size > max_ratio * max(info.compress_size, 1):
            raise bomb
    dtd = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)
    try:
        for info in infos:
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            tail = b""
            with archive.open(info) as member:
                while True:
                    chunk = member.read(CHUNK)
                    if not chunk:
                        break
                    if dtd.search(tail + chunk):
                        raise FileError(
                            _("The workbook contains XML document type declarations, which are not allowed."),
                            code="xml_dtd",
                        )
                    tail = chunk[-16:]
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise FileError(_("The file is not a valid Excel workbook (.xlsx)."), code="bad_zip") from exc
    finally:
        _rewind(fileobj)


# --- text encodings ---------------------------------------------------------------------------


def _line_of(fileobj, offset):
    """1-based line number of byte `offset` (counts newlines in chunks)."""
    _rewind(fileobj)
    lines, read = 1, 0
    while read < offset:
        chunk = fileobj.read(min(CHUNK, offset - read))
        if not chunk:
            break
        lines += chunk.count(b"\n")
        read += len(chunk)
    _rewind(fileobj)
    return lines


def detect_text_encoding(fileobj):
    """The encoding to decode the file with: "utf-8-sig", "utf-16" or "cp1252".

    Refused with a translated FileError: UTF-16 without a byte order mark, a file that is mostly
    UTF-8 but has bytes that are not (reported with the line), bytes CP-1252 does not define.
    """
    _rewind(fileobj)
    head = fileobj.read(4)
    _rewind(fileobj)
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    else:
        encoding = "utf-8"
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    saw_multibyte = False
    bad_offset = None
    nul_count = 0
    first_chunk = True
    while True:
        chunk = fileobj.read(CHUNK)
        if first_chunk:
            first_chunk = False
            # UTF-16 without a BOM: every other byte of ASCII text is NUL.
            if len(chunk) >= 4 and chunk.count(b"\x00") * 4 >= len(chunk):
                _rewind(fileobj)
                raise FileError(
                    _("The file looks like UTF-16 text without a byte order mark. Save it as “CSV UTF-8” and try again."),
                    code="encoding",
                )
        if not chunk:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                bad_offset = offset
            break
        nul_count += chunk.count(b"\x00")
        if bad_offset is None:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad_offset = offset + max(exc.start, 0)
        if not saw_multibyte and _UTF8_MULTIBYTE.search(chunk):
            saw_multibyte = True
        offset += len(chunk)
    _rewind(fileobj)
    if bad_offset is None:
        return encoding
    if saw_multibyte or encoding == "utf-8-sig":
        raise FileError(
            _(
                "The file is saved as UTF-8 but line %(line)s contains characters in another encoding. "
                "Save the file again as “CSV UTF-8” and try again."
            ),
            code="encoding",
            params={"line": _line_of(fileobj, bad_offset)},
        )
    # No UTF-8 at all: Windows-1252, as Excel in a Danish locale saves "CSV (semikolonsepareret)".
    offset = 0
    while True:
        chunk = fileobj.read(CHUNK)
        if not chunk:
            break
        match = _CP1252_UNDEFINED.search(chunk)
        if match:
            line = _line_of(fileobj, offset + match.start())
            raise FileError(
                _("The file's encoding could not be recognised (line %(line)s). Save it as “CSV UTF-8” and try again."),
                code="encoding",
                params={"line": line},
            )
        offset += len(chunk)
    _rewind(fileobj)
    return "cp1252"
