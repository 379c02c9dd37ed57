"""Attachments: check uploads by their content, store them, find them again.

What is accepted is decided by the bytes, never by the browser's content type
or the file's name: images (PNG, JPEG, GIF, WebP), PDF, Office documents
(docx, xlsx, pptx) and plain UTF-8 text or CSV. Everything else is refused,
HTML and SVG included: they could run script if a browser ever rendered them,
and a service desk has no need for them. (Downloads are also served as
``attachment`` with ``nosniff`` and a sandboxing CSP, so even a file that
slipped through would not run; refusing them is the second lock.)

Files are written under a random name in ``UPLOAD_FOLDER`` (outside
``static/``), and removed again if the transaction that recorded them rolls
back, so a failed change leaves no orphan on disk.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import filetype
from flask import current_app
from sqlalchemy import event as sa_event, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.datastructures import FileStorage

from desk.extensions import db
from desk.models import Attachment, Event, ServiceRequest, User
from desk.services import policy

# Detected by magic bytes (the ``filetype`` library): extension -> content type we serve.
BINARY_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# Text has no magic number: accepted when it is UTF-8 without NUL bytes and not markup.
MARKUP_SIGNS = (b"<html", b"<!doctype", b"<svg", b"<script", b"<?xml", b"<body", b"<iframe", b"<object")
NAME_MAX = 255


class AttachmentError(ValueError):
    """An upload that is refused; the message is shown next to the field."""


@dataclass(frozen=True)
class Upload:
    """A checked upload, held in memory until it is stored."""

    name: str
    data: bytes
    content_type: str
    extension: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def inspect_files(files: list[FileStorage] | None) -> list[Upload]:
    """Check count, size and type of the submitted files; raise :class:`AttachmentError`."""
    chosen = [f for f in files or [] if isinstance(f, FileStorage) and f.filename]
    limit = current_app.config["UPLOAD_MAX_FILES"]
    if len(chosen) > limit:
        raise AttachmentError(f"Attach at most {limit} files at a time.")
    return [inspect_file(f) for f in chosen]


def inspect_file(storage: FileStorage) -> Upload:
    name = _clean_name(storage.filename or "file")
    max_bytes = current_app.config["UPLOAD_MAX_BYTES"]
    data = storage.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise AttachmentError(f"{name} is larger than {max_bytes // (1024 * 1024)} MB.")
    if not data:
        raise AttachmentError(f"{name} is empty.")
    extension, content_type = detect(data, name)
    return Upload(name=name, data=data, content_type=content_type, extension=extension)


def detect(data: bytes, name: str) -> tuple[str, str]:
    """(extension, content type) from the bytes, or AttachmentError for what we do not take."""
    kind = filetype.guess(data)
    if kind is not None:
        if kind.extension in BINARY_TYPES:
            return kind.extension, BINARY_TYPES[kind.extension]
        raise AttachmentError(f"{name}: {kind.mime} files are not accepted.")
    if b"\x00" in data:
        raise AttachmentError(f"{name}: this kind of file is not accepted.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AttachmentError(f"{name}: this kind of file is not accepted.") from None
    head = text[:4096].lstrip().lower().encode()
    if any(sign in head for sign in MARKUP_SIGNS):
        raise AttachmentError(f"{name}: HTML, SVG and XML files are not accepted.")
    if name.lower().endswith(".csv"):
        return "csv", "text/csv"
    return "txt", "text/plain"


def _clean_name(name: str) -> str:
    # Shown back to people and used as the download name: no folders, no control characters.
    name = PurePosixPath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "file"
    return name[-NAME_MAX:]


def store(uploader: User, req: ServiceRequest, event: Event | None, uploads: list[Upload]) -> list[Attachment]:
    """Write the files and record them with ``event``; flushes, never commits."""
    folder = upload_folder()
    rows = []
    # A double submit of the same form (same event, same bytes) stores the file once.
    seen = set(db.session.scalars(select(Attachment.sha256).where(
        Attachment.request_id == req.id, Attachment.event_id == (event.id if event else None)
    ))) if uploads and req.id is not None else set()
    for upload in uploads:
        if upload.sha256 in seen:
            continue
        seen.add(upload.sha256)
        stored_name = secrets.token_hex(16)
        path = folder / stored_name
        path.write_bytes(upload.data)
        db.session.info.setdefault("desk_new_files", []).append(path)
        rows.append(Attachment(
            request=req, event=event, uploader=uploader, original_name=upload.name,
            stored_name=stored_name, content_type=upload.content_type, size=len(upload.data),
            sha256=upload.sha256,
        ))
    db.session.add_all(rows)
    db.session.flush()
    return rows


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def path_of(attachment: Attachment) -> Path:
    return upload_folder() / attachment.stored_name


def download_name(attachment: Attachment) -> str:
    """The original name, with the detected type's extension if it claimed another one."""
    name = attachment.original_name
    wanted = {v: k for k, v in BINARY_TYPES.items()}.get(attachment.content_type) or (
        "csv" if attachment.content_type == "text/csv" else "txt"
    )
    suffixes = {"jpg": (".jpg", ".jpeg"), "txt": (".txt", ".log", ".md")}.get(wanted, (f".{wanted}",))
    return name if name.lower().endswith(suffixes) else f"{name}.{wanted}"


def for_timeline(user: User, req: ServiceRequest) -> dict[int | None, list[Attachment]]:
    """The request's attachments this user may see, by event id (one query)."""
    query = (
        select(Attachment)
        .where(Attachment.request_id == req.id)
        .options(joinedload(Attachment.event))
        .order_by(Attachment.id)
    )
    grouped: dict[int | None, list[Attachment]] = defaultdict(list)
    for attachment in db.session.scalars(query):
        if policy.can_download(user, req, attachment):
            grouped[attachment.event_id].append(attachment)
    return grouped


def attachment_of(req: ServiceRequest, attachment_id: int) -> Attachment | None:
    return db.session.scalar(
        select(Attachment)
        .where(Attachment.id == attachment_id, Attachment.request_id == req.id)
        .options(joinedload(Attachment.event))
    )


# --- no orphans: files written in a transaction that rolls back are removed ---

@sa_event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    session.info.pop("desk_new_files", None)


@sa_event.listens_for(Session, "after_rollback")
def _drop_files(session: Session) -> None:
    for path in session.info.pop("desk_new_files", []):
        Path(path).unlink(missing_ok=True)
