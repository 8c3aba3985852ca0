"""Checking and storing the files of a dossier: submitted papers and issued results.

A file is checked **before** anything is written to storage: its size against
``settings.DOSSIER_MAX_UPLOAD_BYTES`` (default 20 MB), then its type by its first bytes (magic
numbers), never by the name or the browser's Content-Type: PDF, JPEG, PNG, or DOCX (a ZIP holding
``word/document.xml``). The stored name is generated (``<uuid>.<ext>``); the person's file name is
kept only as a label. The SHA-256 checksum is computed while checking.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage

from chinhquyen.dossiers.errors import invalid

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", DOCX: "docx"}
LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", DOCX: "Word (DOCX)"}
ALLOWED_LABEL = ", ".join(LABELS.values())
_CHUNK = 1024 * 1024


def max_upload_bytes() -> int:
    return int(getattr(settings, "DOSSIER_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


def _megabytes(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",") + " MB"


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, ready to be stored."""

    file: File
    original_name: str
    content_type: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def as_file(value: Any, name: str = "") -> File:
    """Accept an ``UploadedFile``/``File``, raw ``bytes`` or a binary file object."""
    if isinstance(value, File):
        return value
    if isinstance(value, bytes | bytearray):
        return ContentFile(bytes(value), name=name or "tep")
    if hasattr(value, "read"):
        return File(value, name=name or getattr(value, "name", "") or "tep")
    raise ValidationError("Tệp đính kèm không đọc được.", code="invalid_file")


def _size_of(f: File) -> int:
    size = getattr(f, "size", None)
    if size is None:
        f.seek(0, io.SEEK_END)
        size = f.tell()
    f.seek(0)
    return int(size)


def sniff(head: bytes, f: IO[bytes] | None = None) -> str | None:
    """The content type of a file from its first bytes (and, for ZIP, its directory)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04") and f is not None:
        try:
            f.seek(0)
            with zipfile.ZipFile(f) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            f.seek(0)
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return DOCX
    return None


def check(value: Any, *, name: str = "", field: str = "file") -> CheckedFile:
    """Size, type and checksum of a file, or a ValidationError saying what is wrong with it."""
    f = as_file(value, name)
    label = name or getattr(f, "name", "") or "tệp"
    label = str(label).replace("\\", "/").rsplit("/", 1)[-1][:200]
    size = _size_of(f)
    limit = max_upload_bytes()
    if size == 0:
        raise invalid({field: f"Tệp «{label}» rỗng."}, code="empty_file")
    if size > limit:
        raise invalid(
            {
                field: f"Tệp «{label}» có dung lượng {_megabytes(size)}, vượt quá giới hạn "
                f"{_megabytes(limit)}."
            },
            code="file_too_large",
        )
    f.seek(0)
    head = f.read(16)
    content_type = sniff(head, f)
    if content_type is None:
        raise invalid(
            {
                field: f"Tệp «{label}» không thuộc loại được phép; chỉ nhận {ALLOWED_LABEL} "
                "(kiểm tra theo nội dung tệp, không theo tên tệp)."
            },
            code="file_type",
        )
    digest = hashlib.sha256()
    f.seek(0)
    while chunk := f.read(_CHUNK):
        digest.update(chunk)
    f.seek(0)
    return CheckedFile(
        file=f, original_name=label, content_type=content_type, size=size, sha256=digest.hexdigest()
    )


def store(checked: CheckedFile, folder: str) -> str:
    """Write a checked file under ``folder`` with a generated name; the storage name."""
    checked.file.seek(0)
    name = f"{folder.rstrip('/')}/{uuid.uuid4().hex}.{checked.extension}"
    return default_storage.save(name, checked.file)


def sha256_of_stored(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
