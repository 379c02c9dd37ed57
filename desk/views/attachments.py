"""Downloading attachments: only through the policy, never as a page that could run."""

from flask import Blueprint, abort, send_file
from flask_login import current_user, login_required

from desk.services import attachments, policy, queries

bp = Blueprint("attachments", __name__, url_prefix="/requests/<key>/files")

# A downloaded file must never execute in our origin: no scripts, no plugins,
# no same-origin access even if a browser decided to render it after all.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


@bp.get("/<int:attachment_id>")
@login_required
def download(key: str, attachment_id: int):
    req = queries.request_or_404(current_user, key)
    attachment = attachments.attachment_of(req, attachment_id)
    if attachment is None or not policy.can_download(current_user, req, attachment):
        abort(404)
    path = attachments.path_of(attachment)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachments.download_name(attachment),
        conditional=False,
        etag=attachment.sha256,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
