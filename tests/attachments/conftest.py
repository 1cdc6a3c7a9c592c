"""Sample files of every allowed and refused type, and helpers to upload them and find them in the storage."""

import hashlib
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from attachments import services as attachments
from attachments.models import upload_name
from tests.factories import PurchaseFactory

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic\x00\x00\x00\x08free" + b"\x00" * 16
HEIF = b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf\x00\x00\x00\x08free" + b"\x00" * 16
TEXT = "Receipt #42\nCoffee grinder — 129,99 €\nThanks!\n".encode()

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + b"\x00" * 40
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00"
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>\n'
XML_SVG = b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>\n'
AVIF = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf\x00\x00\x00\x08free" + b"\x00" * 16
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2\x00\x00\x00\x08free" + b"\x00" * 16

ALLOWED = [
    # (name the client sends, bytes, client's content type, detected content type)
    ("receipt.pdf", PDF, "application/octet-stream", "application/pdf"),
    ("photo.jpg", JPEG, "image/png", "image/jpeg"),
    ("scan.png", PNG, "application/octet-stream", "image/png"),
    ("anim.gif", GIF, "image/jpeg", "image/gif"),
    ("pic.webp", WEBP, "application/octet-stream", "image/webp"),
    ("IMG_0001.HEIC", HEIC, "application/octet-stream", "image/heic"),
    ("image.heif", HEIF, "application/octet-stream", "image/heif"),
    ("notes.txt", TEXT, "application/pdf", "text/plain"),
]

REFUSED = [
    ("invoice.pdf", ELF, "application/pdf"),  # an ELF executable named .pdf
    ("invoice.pdf", MZ, "application/pdf"),  # a Windows executable named .pdf
    ("readme.txt", HTML, "text/plain"),  # HTML named .txt
    ("page.txt", b"\xef\xbb\xbf \n\t <html><p>hi</p></html>", "text/plain"),  # BOM and blanks before the markup
    ("icon.svg", SVG, "image/svg+xml"),
    ("logo.png", XML_SVG, "image/png"),
    ("data.xml", b'<?xml version="1.0"?><a/>', "text/xml"),
    ("run.txt", b"#!/bin/sh\nrm -rf ~\n", "text/plain"),
    ("utf16.txt", "hello".encode("utf-16"), "text/plain"),  # NUL bytes
    ("latin1.txt", b"caf\xe9 cr\xe8me", "text/plain"),  # not UTF-8
    ("image.avif", AVIF, "image/avif"),
    ("clip.mp4", MP4, "video/mp4"),
    ("archive.zip", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20, "application/zip"),
]


def upload_file(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@dataclass(frozen=True)
class StoredFile:
    """A file in the default storage (a folder, or the S3 bucket under `pytest --s3`), as the tests look at it."""

    name: str

    def exists(self) -> bool:
        return default_storage.exists(self.name)

    def read_bytes(self) -> bytes:
        with default_storage.open(self.name, "rb") as handle:
            return handle.read()

    def write_bytes(self, content: bytes) -> None:
        default_storage.delete(self.name)
        assert default_storage.save(self.name, ContentFile(content)) == self.name

    def unlink(self) -> None:
        default_storage.delete(self.name)


def stored_path(content: bytes) -> StoredFile:
    return StoredFile(upload_name(hashlib.sha256(content).hexdigest()))


def stored_files() -> list[StoredFile]:
    return [StoredFile(name) for name in sorted(attachments.stored_upload_names())]


def post_file(client, purchase_id, name, content, content_type="application/octet-stream", **fields):
    return client.post(
        f"/api/purchases/{purchase_id}/attachments",
        {"file": upload_file(name, content, content_type), **fields},
        format="multipart",
    )


@pytest.fixture
def purchase(owner):
    return PurchaseFactory(owner=owner)


@pytest.fixture
def other_purchase(other_user):
    return PurchaseFactory(owner=other_user)


@pytest.fixture
def make_attachment():
    def make(purchase, content=PDF, name="receipt.pdf", **kwargs):
        return attachments.attachment_upload(
            purchase=purchase, created_by=purchase.created_by, uploaded_file=upload_file(name, content), **kwargs
        )

    return make
