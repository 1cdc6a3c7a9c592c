"""Attachment services: upload (streamed hash, size limit, type sniffed from the bytes), content-addressed
storage with dedupe, deletion that removes a file only after commit and only when its last reference is gone,
opening for download, and the uploads check behind `manage.py check_uploads`.

Files go through `django.core.files.storage.default_storage` only, so any Django storage backend works.
"""

import codecs
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.http import content_disposition_header

from attachments.choices import AttachmentKind
from attachments.models import FILENAME_MAX_LENGTH, UPLOADS_DIR, Attachment, upload_name
from purchases.models import Purchase
from spends import data_versions
from spends.sizes import readable_size

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_SIZE = 25 * 1024 * 1024
SNIFF_BYTES = 4096  # enough for every signature below and HEIF's ftyp box
TEXT_PLAIN = "text/plain"
INLINE_TYPES = {"application/pdf"}  # and every image/*

HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
HEIF_BRANDS = {b"mif1", b"msf1"}
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class AttachmentRejected(Exception):
    """An upload that is refused; `str(exc)` is the message for the client."""


class FileTooLarge(AttachmentRejected):
    """The file is larger than settings.MAX_UPLOAD_SIZE (answered 413)."""


class UnsupportedFileType(AttachmentRejected):
    """The bytes are not one of the allowed types (answered 415)."""


class FileMissing(Exception):
    """The attachment's file is not in the storage (answered 404; the attachment is marked unavailable)."""


def max_upload_size() -> int:
    return getattr(settings, "MAX_UPLOAD_SIZE", DEFAULT_MAX_UPLOAD_SIZE)


# --- type detection ---------------------------------------------------------------------------------------------------


def _heif_type(head: bytes) -> str | None:
    """HEIC/HEIF: an ISO-BMFF `ftyp` box whose major or compatible brands say HEIF (AVIF and MP4 do not pass)."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    box_size = min(int.from_bytes(head[0:4], "big"), len(head))
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, box_size - 3, 4)}
    if major in HEIC_BRANDS or (major in HEIF_BRANDS and compatible & HEIC_BRANDS):
        return "image/heic"
    if major in HEIF_BRANDS and not compatible & {b"avif", b"avis"}:
        return "image/heif"
    return None


def sniff_binary_type(head: bytes) -> str | None:
    """The content type of the binary formats we accept, from the first bytes (magic numbers), or None."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(head) >= 12 and head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    return _heif_type(head)


# Whitespace, the BOM and other invisible format characters (soft hyphen, zero-width spaces, bidi marks).
_LEADING_BLANKS = re.compile("[\\s\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]*")


class _TextCheck:
    """Streamed check that the content is plain text: valid UTF-8, no NUL, and not markup or a script.

    HTML, SVG and XML all start with `<` once blanks and a BOM are skipped; scripts start with `#!`.
    """

    def __init__(self):
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._lead = ""  # the first two visible characters, once known
        self.ok = True

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        if not self.ok:
            return
        if b"\x00" in chunk:
            self.ok = False
            return
        try:
            text = self._decoder.decode(chunk, final=final)
        except UnicodeDecodeError:
            self.ok = False
            return
        if len(self._lead) < 2:
            lead = self._lead + text
            start = 0 if self._lead else _LEADING_BLANKS.match(lead).end()
            self._lead = lead[start : start + 2]
            if self._lead.startswith(("<", "#!")):
                self.ok = False


def _clean_filename(name: str) -> str:
    """The original base name: path parts and control/format characters removed, at most 255 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char) not in ("Cc", "Cf")).strip()
    if name in ("", ".", ".."):
        name = "file"
    if len(name) > FILENAME_MAX_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16 and stem:
            name = stem[: FILENAME_MAX_LENGTH - len(ext) - 1] + "." + ext
        else:
            name = name[:FILENAME_MAX_LENGTH]
    return name


@dataclass
class _Scanned:
    sha256: str
    size: int
    content_type: str


def _scan(uploaded_file) -> _Scanned:
    """One streamed pass over the upload: SHA-256, size (refused past the limit) and the detected type."""
    limit = max_upload_size()
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise FileTooLarge(f"The file is larger than the upload limit of {readable_size(limit)}.")
    hasher = hashlib.sha256()
    text = _TextCheck()
    head = b""
    size = 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        size += len(chunk)
        if size > limit:
            raise FileTooLarge(f"The file is larger than the upload limit of {readable_size(limit)}.")
        hasher.update(chunk)
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        text.feed(chunk)
    text.feed(b"", final=True)
    content_type = sniff_binary_type(head) or (TEXT_PLAIN if text.ok and size else None)
    if content_type is None:
        raise UnsupportedFileType(
            "Unsupported file type. Allowed: PDF, JPEG, PNG, WebP, HEIC/HEIF, GIF and plain UTF-8 text "
            "(not HTML, SVG, XML or scripts)."
        )
    return _Scanned(sha256=hasher.hexdigest(), size=size, content_type=content_type)


def upload_scan(uploaded_file) -> _Scanned:
    """The upload checks of an attachment for other apps' uploads (receipts): size limit and type from the bytes.
    Raises FileTooLarge or UnsupportedFileType."""
    return _scan(uploaded_file)


# --- storage ----------------------------------------------------------------------------------------------------------


def _store(name: str, uploaded_file) -> None:
    """Put the content at `name` unless it is already there (same name, same bytes: content-addressed)."""
    if default_storage.exists(name):
        return
    uploaded_file.seek(0)
    saved = default_storage.save(name, uploaded_file)
    if saved != name:
        # A concurrent upload of the same bytes won the race; the storage kept ours under another name.
        default_storage.delete(saved)


def _ensure_stored(name: str, uploaded_file) -> None:
    # After commit: a concurrent deletion of the last other reference may have removed the file meanwhile.
    try:
        _store(name, uploaded_file)
    except (OSError, ValueError):
        logger.exception("could not re-store upload %s after commit", name)


def attachment_upload(*, purchase: Purchase, uploaded_file, created_by, kind: str = AttachmentKind.OTHER) -> Attachment:
    """Attach an uploaded file (a Django `UploadedFile`) to `purchase`, uploaded by `created_by` (a user or None).

    The file is read in chunks (never whole into memory) to compute its SHA-256 and size and to detect its type
    from the bytes; the stored `content_type` is the detected one, never the client's. The bytes are stored once
    per content at `uploads/{h[:2]}/{h[2:4]}/{h}`; an identical upload reuses the stored file.

    Raises FileTooLarge (over settings.MAX_UPLOAD_SIZE) or UnsupportedFileType before anything is written.
    Atomic: the row is created in one transaction; the file is written before it (a rolled-back row leaves at most
    an unreferenced file, which `check_uploads --fix` removes) and checked again after commit.
    """
    scanned = _scan(uploaded_file)
    name = upload_name(scanned.sha256)
    _store(name, uploaded_file)
    with transaction.atomic():
        attachment = Attachment.objects.create(
            purchase=purchase,
            created_by=created_by,
            kind=kind,
            filename=_clean_filename(uploaded_file.name),
            content_type=scanned.content_type,
            size=scanned.size,
            sha256=scanned.sha256,
            available=True,
        )
        data_versions.bump(data_versions.household_scope(purchase.household_id))  # attachment counts show in answers
        transaction.on_commit(lambda: _ensure_stored(name, uploaded_file), robust=True)
    return attachment


def attachment_file_present(*, sha256: str) -> bool:
    """Whether the content's file is in storage now (one stat on a local disk; no database query)."""
    return default_storage.exists(upload_name(sha256))


@transaction.atomic
def attachment_delete(*, attachment: Attachment) -> None:
    """Delete an attachment. Its file is removed after the transaction commits, and only when no other attachment
    (of any household) has the same content; a rollback keeps it. Deleting a purchase does the same for each of its
    attachments: the removal is scheduled by `purchases.models`' post_delete receiver, whatever deleted the row."""
    household_id = attachment.purchase.household_id
    attachment.delete()
    data_versions.bump(data_versions.household_scope(household_id))  # attachment counts show in answers


def attachment_file_release(*, sha256: str) -> bool:
    """Remove the stored file for `sha256` when no attachment references it any more. Call after commit only.

    Returns whether a file was removed. Never raises for a file that is already gone.
    """
    if not SHA256_RE.match(sha256 or "") or Attachment.objects.filter(sha256=sha256).exists():
        return False
    name = upload_name(sha256)
    if not default_storage.exists(name):
        return False
    default_storage.delete(name)
    return True


def attachment_open(*, attachment: Attachment):
    """Open the attachment's file for reading (binary); the caller closes it.

    Raises FileMissing when the storage does not have it, after marking the attachment (and every attachment with
    the same content) unavailable; a file that is back marks them available again.
    """
    name = attachment.storage_name
    try:
        if not default_storage.exists(name):
            raise FileNotFoundError(name)
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        Attachment.objects.filter(sha256=attachment.sha256, available=True).update(available=False)
        attachment.available = False
        raise FileMissing("The attachment's file is missing from the storage.") from None
    if not attachment.available:  # the file came back (restored by hand or by a backup restore)
        Attachment.objects.filter(sha256=attachment.sha256, available=False).update(available=True)
        attachment.available = True
    return handle


def attachment_presigned_url(*, attachment: Attachment, expire: int) -> str | None:
    """A URL of the storage (S3) that serves the attachment's bytes for `expire` seconds, with its content type and
    Content-Disposition; None when the storage cannot presign (a folder). Raises FileMissing like attachment_open."""
    presign = getattr(default_storage, "presigned_url", None)
    if presign is None:
        return None
    attachment_open(attachment=attachment).close()  # missing → FileMissing, marked unavailable; back → available
    disposition = content_disposition_header(not is_inline(attachment.content_type), attachment.filename)
    return presign(
        attachment.storage_name,
        expire=expire,
        content_type=response_content_type(attachment.content_type),
        disposition=disposition,
    )


def is_inline(content_type: str) -> bool:
    """Images and PDF are shown in the browser; everything else is downloaded (API.md § Attachments)."""
    return content_type.startswith("image/") or content_type in INLINE_TYPES


def response_content_type(content_type: str) -> str:
    return f"{TEXT_PLAIN}; charset=utf-8" if content_type == TEXT_PLAIN else content_type


# --- check_uploads ----------------------------------------------------------------------------------------------------


@dataclass
class UploadsReport:
    checked: int = 0  # distinct contents referenced by attachments
    missing: list[str] = field(default_factory=list)  # storage names referenced but not stored
    marked_unavailable: int = 0  # attachments newly marked available=false
    marked_available: int = 0  # attachments whose file came back
    orphans: list[str] = field(default_factory=list)  # stored files nothing references
    removed: list[str] = field(default_factory=list)  # orphans removed (with fix)


def stored_upload_names(directory: str = UPLOADS_DIR):
    """Every file under `uploads/` in the storage, as storage names (any depth)."""
    try:
        directories, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{directory}/{name}"
    for sub in sorted(directories):
        yield from stored_upload_names(f"{directory}/{sub}")


def _mark(hashes: list[str], *, available: bool) -> int:
    count = 0
    for start in range(0, len(hashes), 500):
        batch = hashes[start : start + 500]
        count += Attachment.objects.filter(sha256__in=batch, available=not available).update(available=available)
    return count


def uploads_check(*, fix: bool = False, progress=None) -> UploadsReport:
    """Compare attachments with the stored files.

    Attachments whose file is missing are marked unavailable, and those whose file is back available again.
    Files under `uploads/` that no attachment references are reported as orphans; with `fix` they are removed
    (each one re-checked just before, so a file whose upload committed meanwhile stays). Not atomic: every
    update stands on its own, so the check can be run again at any time. `progress(message)` is called along.
    """
    say = progress or (lambda message: None)
    report = UploadsReport()
    missing, present = [], []
    referenced = Attachment.objects.order_by("sha256").values_list("sha256", flat=True).distinct()
    for sha256 in referenced.iterator():
        report.checked += 1
        (present if default_storage.exists(upload_name(sha256)) else missing).append(sha256)
        if report.checked % 1000 == 0:
            say(f"checked {report.checked} file(s)")
    report.missing = [upload_name(sha256) for sha256 in missing]
    report.marked_unavailable = _mark(missing, available=False)
    report.marked_available = _mark(present, available=True)
    say(f"checked {report.checked} referenced file(s): {len(missing)} missing")

    known = set(present)
    for name in stored_upload_names():
        sha256 = name.rsplit("/", 1)[-1]
        if name == upload_name(sha256) and sha256 in known:
            continue
        report.orphans.append(name)
    say(f"found {len(report.orphans)} unreferenced file(s)")
    if fix:
        for name in report.orphans:
            sha256 = name.rsplit("/", 1)[-1]
            if name == upload_name(sha256) and Attachment.objects.filter(sha256=sha256).exists():
                continue  # an upload committed since the scan
            default_storage.delete(name)
            report.removed.append(name)
        say(f"removed {len(report.removed)} unreferenced file(s)")
    return report
