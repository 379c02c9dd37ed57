"""Attachments: limits, type checks by content, storage, and downloads only through the policy."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from desk.extensions import db
from desk.models import Attachment, Event, EventKind

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" + b"\x00" * 40
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def world(make):
    it = make.department("IT")
    mkt = make.department("MKT")
    fin = make.department("FIN")
    laptop = make.request_type(it, "Laptop")
    return {
        "it": it, "laptop": laptop,
        "agent": make.agent(it), "requester": make.user(mkt),
        "stranger": make.user(fin), "other_agent": make.agent(fin),
    }


def file_with(client, world, *files, title="Screen broken"):
    data = {"department": world["it"].id, "type": world["laptop"].id, "title": title,
            "body": "See the photo", "priority": "normal", "submission_key": "key-" + title,
            "attachments": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/requests/new", data=data, content_type="multipart/form-data")


def files_on_disk(app) -> set[str]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def rows() -> list[Attachment]:
    db.session.expire_all()
    return list(db.session.scalars(select(Attachment).order_by(Attachment.id)))


def test_filed_with_a_photo_stored_outside_static_under_a_random_name(app, client, login, world):
    login(world["requester"])
    response = file_with(client, world, ("screen.png", PNG), ("quote.pdf", PDF), ("spec.docx", docx()))
    assert response.status_code == 303
    stored = rows()
    assert [(a.original_name, a.content_type) for a in stored] == [
        ("screen.png", "image/png"), ("quote.pdf", "application/pdf"),
        ("spec.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ]
    created = db.session.scalar(select(Event).where(Event.kind == EventKind.CREATED))
    assert all(a.event_id == created.id and a.size > 0 and len(a.sha256) == 64 for a in stored)
    folder = Path(app.config["UPLOAD_FOLDER"])
    path = folder / stored[0].stored_name
    assert path.read_bytes() == PNG
    assert "screen" not in stored[0].stored_name and "static" not in str(folder)
    page = client.get("/requests/IT-1")
    assert f"/requests/IT-1/files/{stored[0].id}" in page.text and "screen.png" in page.text


def test_download_is_an_attachment_that_cannot_run(client, login, world):
    login(world["requester"])
    file_with(client, world, ("screen.png", PNG))
    attachment = rows()[0]
    response = client.get(f"/requests/IT-1/files/{attachment.id}")
    assert response.status_code == 200
    assert response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "screen.png" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response.headers["Cache-Control"]


def test_a_misleading_name_gets_the_detected_extension(client, login, world):
    login(world["requester"])
    file_with(client, world, ("invoice.html", PNG))
    attachment = rows()[0]
    response = client.get(f"/requests/IT-1/files/{attachment.id}")
    assert response.headers["Content-Type"] == "image/png"
    assert 'filename="invoice.html.png"' in response.headers["Content-Disposition"] or \
        "invoice.html.png" in response.headers["Content-Disposition"]


@pytest.mark.parametrize("name, content, message", [
    ("drawing.svg", SVG, "not accepted"),
    ("page.html", HTML, "HTML, SVG and XML files are not accepted"),
    ("setup.exe", EXE, "not accepted"),
    ("photo.png", EXE, "not accepted"),  # the name lies; the bytes decide
    ("empty.txt", b"", "is empty"),
])
def test_dangerous_or_unknown_files_are_refused_by_content(app, client, login, world, name, content, message):
    login(world["requester"])
    before = files_on_disk(app)
    response = file_with(client, world, (name, content))
    assert response.status_code == 422
    assert message in response.text
    assert 'id="attachments-error"' in response.text
    assert rows() == []
    assert files_on_disk(app) == before


def test_plain_text_and_csv_are_accepted(client, login, world):
    login(world["requester"])
    response = file_with(client, world, ("log.txt", b"error at line 3\n"), ("list.csv", b"name,qty\nchair,2\n"))
    assert response.status_code == 303
    assert [a.content_type for a in rows()] == ["text/plain", "text/csv"]


def test_size_limit(app, client, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024 * 1024)
    login(world["requester"])
    response = file_with(client, world, ("big.txt", b"a" * (1024 * 1024 + 1)))
    assert response.status_code == 422
    assert "big.txt is larger than 1 MB." in response.text
    assert rows() == []
    assert file_with(client, world, ("ok.txt", b"a" * (1024 * 1024)), title="Fits").status_code == 303


def test_count_limit(app, client, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_FILES", 2)
    login(world["requester"])
    response = file_with(client, world, ("a.txt", b"a"), ("b.txt", b"b"), ("c.txt", b"c"))
    assert response.status_code == 422
    assert "Attach at most 2 files at a time." in response.text
    assert rows() == []


def test_request_body_over_the_limit_gets_the_plain_413_page(app, client, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    login(world["requester"])
    response = file_with(client, world, ("a.txt", b"a" * 4096))
    assert response.status_code == 413
    assert "The upload is larger than allowed." in response.text
    assert "Traceback" not in response.text


def test_reply_attachment_by_htmx_shows_next_to_its_reply(client, login, make, world):
    req = make.request(world["requester"], world["laptop"])
    login(world["agent"])
    response = client.post(f"/requests/{req.key}/reply", headers={"HX-Request": "true"},
                           data={"body": "Here is the quote", "attachments": [(io.BytesIO(PDF), "quote.pdf")]},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    attachment = rows()[0]
    reply = db.session.get(Event, attachment.event_id)
    assert reply.kind == EventKind.REPLIED and reply.body == "Here is the quote"
    assert f'id="event-{reply.id}"' in response.text
    entry = response.text.split(f'id="event-{reply.id}"')[1].split("</li>")[0]
    assert "Here is the quote" in entry and "quote.pdf" in entry


def test_note_attachments_only_for_the_provider_side(client, login, make, world, app):
    req = make.request(world["requester"], world["laptop"])
    login(world["agent"])
    client.post(f"/requests/{req.key}/note", data={"body": "Internal quote",
                "attachments": [(io.BytesIO(PDF), "internal.pdf")]}, content_type="multipart/form-data")
    attachment = rows()[0]
    assert client.get(f"/requests/{req.key}/files/{attachment.id}").status_code == 200
    requester = app.test_client()
    requester.post("/login", data={"email": world["requester"].email, "password": "correct horse battery"})
    assert requester.get(f"/requests/{req.key}/files/{attachment.id}").status_code == 404
    assert "internal.pdf" not in requester.get(f"/requests/{req.key}").text


@pytest.mark.parametrize("who", ["stranger", "other_agent"])
def test_forbidden_user_gets_404_on_the_download(client, login, make, world, app, who):
    login(world["requester"])
    file_with(client, world, ("screen.png", PNG))
    attachment = rows()[0]
    other = app.test_client()
    other.post("/login", data={"email": world[who].email, "password": "correct horse battery"})
    response = other.get(f"/requests/IT-1/files/{attachment.id}")
    assert response.status_code == 404
    assert PNG not in response.data


def test_anonymous_is_sent_to_login_and_foreign_ids_are_404(client, login, make, world, app):
    login(world["requester"])
    file_with(client, world, ("screen.png", PNG))
    mine = make.request(world["requester"], world["laptop"], title="Second")
    attachment = rows()[0]
    # The attachment exists, but not on this request: the key in the URL must match.
    assert client.get(f"/requests/{mine.key}/files/{attachment.id}").status_code == 404
    assert client.get("/requests/IT-1/files/999999").status_code == 404
    anonymous = app.test_client().get(f"/requests/IT-1/files/{attachment.id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_a_rolled_back_change_leaves_no_file(ctx, make, world, app):
    from desk.services import attachments, workflow

    req = make.request(world["requester"], world["laptop"])
    event = workflow.reply(world["agent"], req, "with file")
    [row] = attachments.store(world["agent"], req, event, [attachments.Upload("a.txt", b"hello", "text/plain", "txt")])
    path = Path(app.config["UPLOAD_FOLDER"]) / row.stored_name
    assert path.exists()
    db.session.rollback()
    assert not path.exists()
    assert rows() == []
