"""attachments.services: type detection, streamed hashing and size limit, content-addressed storage, dedupe, and
file removal after commit when the last reference goes (attachment, purchase and user deletion)."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.db import transaction

from attachments import services as attachments
from attachments.choices import AttachmentKind
from attachments.models import Attachment
from attachments.services import FileMissing, FileTooLarge, UnsupportedFileType
from purchases import services
from tests.attachments.conftest import ALLOWED, PDF, PNG, REFUSED, TEXT, stored_files, stored_path, upload_file
from tests.factories import PurchaseFactory

pytestmark = pytest.mark.django_db


# --- detection --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "client_type", "detected"), ALLOWED, ids=[a[0] for a in ALLOWED])
def test_each_allowed_type_is_stored_with_the_detected_content_type(purchase, name, content, client_type, detected):
    attachment = attachments.attachment_upload(
        purchase=purchase, created_by=purchase.created_by, uploaded_file=upload_file(name, content, client_type)
    )
    assert attachment.content_type == detected
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("name", "content", "client_type"), REFUSED, ids=[f"{r[0]}-{i}" for i, r in enumerate(REFUSED)]
)
def test_refused_types_write_nothing(purchase, name, content, client_type):
    with pytest.raises(UnsupportedFileType):
        attachments.attachment_upload(
            purchase=purchase, created_by=purchase.created_by, uploaded_file=upload_file(name, content, client_type)
        )
    assert not Attachment.objects.exists()
    assert stored_files() == []


class ChunkedUpload(InMemoryUploadedFile):
    """An upload read in chunks of `chunk_size` bytes, to put boundaries where the sniffing must cope with them."""

    def __init__(self, content: bytes, chunk_size: int, size=None):
        super().__init__(
            io.BytesIO(content), "file", "f.txt", "text/plain", len(content) if size is None else size, None
        )
        self._chunk = chunk_size

    def chunks(self, chunk_size=None):
        self.file.seek(0)
        while piece := self.file.read(self._chunk):
            yield piece


@pytest.mark.parametrize(
    ("content", "allowed"),
    [
        ("\ufeff  \n<html></html>".encode(), False),  # the BOM, blanks and the markup in separate chunks
        ("\u200b\u200b<svg/>".encode(), False),  # zero-width spaces before the markup
        (b"   #!/usr/bin/env python\n", False),
        (b"#", True),  # a lone "#" is text
        (b"# heading\n", True),
        ("€€€ price list\n".encode(), True),  # multi-byte characters split across chunks
        ("ok €".encode()[:-1], False),  # truncated multi-byte character at the end
    ],
)
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 64 * 1024])
def test_text_detection_does_not_depend_on_chunk_boundaries(purchase, content, allowed, chunk_size):
    upload = ChunkedUpload(content, chunk_size)
    if allowed:
        attachment = attachments.attachment_upload(
            purchase=purchase, created_by=purchase.created_by, uploaded_file=upload
        )
        assert attachment.content_type == "text/plain"
    else:
        with pytest.raises(UnsupportedFileType):
            attachments.attachment_upload(purchase=purchase, created_by=purchase.created_by, uploaded_file=upload)


def test_a_pdf_header_after_other_bytes_is_not_a_pdf():
    assert attachments.sniff_binary_type(b"\x00\x00%PDF-1.7") is None
    assert attachments.sniff_binary_type(b"%PDF-1.7\n") == "application/pdf"


# --- size -------------------------------------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_before_it_is_read(purchase, settings):
    settings.MAX_UPLOAD_SIZE = 100
    upload = upload_file("big.txt", b"a" * 101)
    upload.chunks = None  # reading it would fail: the declared size is enough
    with pytest.raises(FileTooLarge):
        attachments.attachment_upload(purchase=purchase, created_by=purchase.created_by, uploaded_file=upload)
    assert stored_files() == []


def test_the_size_is_counted_while_streaming_even_when_the_declared_size_is_wrong(purchase, settings):
    settings.MAX_UPLOAD_SIZE = 100
    with pytest.raises(FileTooLarge):
        attachments.attachment_upload(
            purchase=purchase, created_by=purchase.created_by, uploaded_file=ChunkedUpload(b"a" * 101, 10, size=5)
        )
    assert not Attachment.objects.exists()


def test_a_file_of_exactly_the_limit_is_accepted(purchase, settings):
    settings.MAX_UPLOAD_SIZE = 100
    attachment = attachments.attachment_upload(
        purchase=purchase, created_by=purchase.created_by, uploaded_file=upload_file("a.txt", b"a" * 100)
    )
    assert attachment.size == 100


# --- storage and dedupe -----------------------------------------------------------------------------------------------


def test_the_file_is_stored_at_the_hash_sharded_path(purchase, make_attachment):
    attachment = make_attachment(purchase, PDF)
    digest = hashlib.sha256(PDF).hexdigest()
    assert attachment.storage_name == f"uploads/{digest[:2]}/{digest[2:4]}/{digest}"
    assert stored_files() == [stored_path(PDF)]
    assert stored_path(PDF).read_bytes() == PDF


def test_identical_bytes_are_stored_once(purchase, make_attachment):
    other = PurchaseFactory(owner=purchase.created_by)
    first = make_attachment(purchase, PDF, name="a.pdf")
    second = make_attachment(other, PDF, name="b.pdf", kind=AttachmentKind.RECEIPT)
    assert first.pk != second.pk and first.sha256 == second.sha256
    assert (first.filename, second.filename, second.kind) == ("a.pdf", "b.pdf", "RECEIPT")
    assert stored_files() == [stored_path(PDF)]


def test_deleting_one_of_two_keeps_the_file_and_deleting_both_removes_it_after_commit(
    purchase, make_attachment, django_capture_on_commit_callbacks
):
    first = make_attachment(purchase, PDF)
    second = make_attachment(PurchaseFactory(), PDF)  # another user's purchase, same bytes

    with django_capture_on_commit_callbacks(execute=True):
        attachments.attachment_delete(attachment=first)
    assert stored_path(PDF).exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attachments.attachment_delete(attachment=second)
        assert stored_path(PDF).exists()
    assert stored_path(PDF).exists()  # not before commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert not stored_path(PDF).exists()
    assert stored_files() == []


def test_a_rolled_back_delete_keeps_the_row_and_the_file(purchase, make_attachment, django_capture_on_commit_callbacks):
    attachment = make_attachment(purchase, PDF)
    pk = attachment.pk
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        attachments.attachment_delete(attachment=attachment)
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert Attachment.objects.filter(pk=pk).exists()
    assert stored_path(PDF).exists()


def test_deleting_a_purchase_removes_its_unreferenced_files_and_keeps_shared_ones(
    owner, make_attachment, django_capture_on_commit_callbacks
):
    doomed, keeper = PurchaseFactory(owner=owner), PurchaseFactory(owner=owner)
    make_attachment(doomed, PDF)
    make_attachment(doomed, TEXT, name="notes.txt")
    make_attachment(doomed, TEXT, name="copy.txt")  # twice on the same purchase
    make_attachment(keeper, PNG, name="shared.png")
    make_attachment(doomed, PNG, name="shared.png")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.purchase_delete(purchase=doomed)
    assert len(stored_files()) == 3  # nothing removed before commit
    for callback in callbacks:
        callback()

    assert stored_files() == [stored_path(PNG)]
    assert list(Attachment.objects.values_list("purchase_id", flat=True)) == [keeper.pk]


def test_deleting_a_user_keeps_their_households_attachments_and_files(
    owner, make_attachment, django_capture_on_commit_callbacks
):
    attachment = make_attachment(PurchaseFactory(owner=owner), PDF)
    assert attachment.created_by == owner
    with django_capture_on_commit_callbacks(execute=True):
        owner.delete()
    attachment.refresh_from_db()  # the household owns the purchase and its files; the uploader is forgotten
    assert attachment.created_by is None and stored_path(PDF).exists()


def test_release_keeps_a_file_that_is_referenced_again(purchase, make_attachment):
    attachment = make_attachment(purchase, PDF)
    assert attachments.attachment_file_release(sha256=attachment.sha256) is False
    assert stored_path(PDF).exists()


def test_an_upload_reuses_a_stored_file_without_rewriting_it(purchase, make_attachment):
    make_attachment(purchase, PDF)
    path = stored_path(PDF)
    path.write_bytes(b"the stored object, marked")  # a rewrite would put the PDF's bytes back
    make_attachment(purchase, PDF)
    assert path.read_bytes() == b"the stored object, marked"
    assert stored_files() == [path]


def test_a_file_removed_before_the_upload_commits_is_stored_again(
    purchase, make_attachment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_attachment(purchase, PDF)
    stored_path(PDF).unlink()  # a concurrent deletion of the last other reference, after our check
    for callback in callbacks:
        callback()
    assert stored_path(PDF).read_bytes() == PDF


# --- filenames --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("receipt.pdf", "receipt.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\Scan 01.pdf", "Scan 01.pdf"),
        ("bad\x00name\r\n.txt", "badname.txt"),
        ("evil\u202etxt.exe", "eviltxt.exe"),  # a right-to-left override would disguise the extension
        ("Quittung für Küche ✓.pdf", "Quittung für Küche ✓.pdf"),
        ("..", "file"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_the_original_base_name_is_kept_cleaned(sent, kept):
    assert attachments._clean_filename(sent) == kept


# --- availability -----------------------------------------------------------------------------------------------------


def test_opening_a_missing_file_marks_its_attachments_unavailable_and_a_returned_file_available(
    purchase, make_attachment
):
    first, second = make_attachment(purchase, PDF), make_attachment(purchase, PDF)
    stored_path(PDF).unlink()
    with pytest.raises(FileMissing):
        attachments.attachment_open(attachment=first)
    assert set(Attachment.objects.values_list("available", flat=True)) == {False}

    stored_path(PDF).write_bytes(PDF)
    second.refresh_from_db()
    with attachments.attachment_open(attachment=second) as handle:
        assert handle.read() == PDF
    assert set(Attachment.objects.values_list("available", flat=True)) == {True}


def test_backup_integrity_check_sees_attachments_and_their_files(purchase, make_attachment):
    from backups.services import integrity_problems

    make_attachment(purchase, PDF)
    assert integrity_problems() == []
    stored_path(PDF).unlink()
    assert integrity_problems() == [
        f"missing upload uploads/{hashlib.sha256(PDF).hexdigest()[:2]}/"
        f"{hashlib.sha256(PDF).hexdigest()[2:4]}/{hashlib.sha256(PDF).hexdigest()}"
    ]
