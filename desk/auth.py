"""Logging in: password hashing, the session's user, and where to go next."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from flask_login import LoginManager
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from desk.extensions import db
from desk.models import User

# A real hash to compare against when the e-mail is unknown, so both failures
# take the same time and an attacker cannot probe which addresses exist.
_DUMMY_HASH = generate_password_hash("not-a-password")


def init_login(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = "Please log in to continue."
    manager.login_message_category = "info"
    manager.session_protection = "basic"
    manager.user_loader(load_user)


def load_user(user_id: str) -> User | None:
    """Session ids are ``id:token``; a rotated token (logout, deactivation) ends old sessions."""
    uid, _, token = user_id.partition(":")
    if not uid.isdigit() or not token:
        return None
    user = db.session.get(User, int(uid))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
    rotate_session(user)


def rotate_session(user: User) -> None:
    """Invalidate every session this user has (they must log in again)."""
    user.session_token = secrets.token_hex(16)


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same time either way)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else (//evil, https://evil) goes home.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash,
    so "/\\t/evil.com" or "/\\evil.com" would become "//evil.com": any control
    character, whitespace or backslash sends the person home as well.
    """
    if target and not any(ch.isspace() or not ch.isprintable() or ch == "\\" for ch in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("requests.home")


def remote_address() -> str:
    return request.remote_addr or "unknown"
