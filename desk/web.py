"""Cross-cutting web concerns: rendering pages or their htmx fragments,
security headers, error pages and template helpers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, Response, current_app, render_template, request
from jinja2 import nodes
from flask_login import current_user
from jinja2_fragments.flask import render_block

from desk.clock import utcnow
from desk.wording import counted

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Bootstrap draws select arrows and check marks as data: SVGs.
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render(template: str, block: str | None = None, status: int = 200, **context) -> tuple[str, int]:
    """The full page, or only ``block`` of it when htmx asks for a fragment."""
    if block and is_htmx():
        return render_block(template, block, **{**top_level_imports(template), **context}), status
    return render_template(template, **context), status


def top_level_imports(template_name: str) -> dict:
    """The names a template imports at its top level (``{% from "_macros.html" import field %}``).

    A block rendered alone skips the template's top level, where Jinja runs those
    imports, so without this a fragment would find ``field`` undefined. Cached on
    the compiled template, so a reloaded template is read again.
    """
    env = current_app.jinja_env
    compiled = env.get_template(template_name)
    cached = getattr(compiled, "_desk_imports", None)
    if cached is not None:
        return cached
    source = env.loader.get_source(env, template_name)[0]
    names: dict = {}
    for node in env.parse(source).body:
        if not isinstance(node, (nodes.FromImport, nodes.Import)) or not isinstance(node.template, nodes.Const):
            continue
        module = env.get_template(node.template.value).module
        if isinstance(node, nodes.Import):
            names[node.target] = module
            continue
        for name in node.names:
            name, alias = name if isinstance(name, tuple) else (name, name)
            names[alias] = getattr(module, name)
    compiled._desk_imports = names
    return names


def init_web(app: Flask) -> None:
    app.after_request(_security_headers)
    app.after_request(_htmx_redirects)
    for code in (400, 403, 404, 405, 413, 422, 429, 500):
        app.register_error_handler(code, _error_page)
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.filters["ago"] = format_ago
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["counted"] = counted
    app.context_processor(lambda: {"now": utcnow()})


def _htmx_redirects(response: Response) -> Response:
    """A redirect answering htmx becomes a full page load (``HX-Redirect``).

    The browser would follow a 303 inside htmx's request and swap the next page
    into the form's target (a filed request inside the new-request form, or the
    login page inside the queue when the session ended), under the old URL.
    """
    if is_htmx() and response.status_code in (301, 302, 303, 307, 308) and response.location:
        response.headers["HX-Redirect"] = response.location
        del response.headers["Location"]
        response.status_code = 204
        response.set_data(b"")
    return response


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.vary.add("HX-Request")
    if request.endpoint != "static" and current_user and current_user.is_authenticated:
        # Desk pages hold other people's matters: never keep them in a shared or back-button cache.
        response.headers["Cache-Control"] = "no-store"
    if app_is_https():
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def app_is_https() -> bool:
    from flask import current_app

    return bool(current_app.config["SESSION_COOKIE_SECURE"])


MESSAGES = {
    400: ("Bad request", "The request could not be understood. If you submitted a form, reload the page and try again."),
    403: ("Not allowed", "You are not allowed to do that."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "That action is not available here."),
    413: ("Too large", "The upload is larger than allowed."),
    422: ("Check your input", "Some of what was sent could not be accepted."),
    429: ("Slow down", "Too many attempts. Wait a minute and try again."),
    500: ("Something went wrong", "The error was logged. Nothing you did caused it; please try again."),
}


def _error_page(error) -> tuple[str, int]:
    code = getattr(error, "code", 500) or 500
    if code not in MESSAGES:
        code = 500
    title, message = MESSAGES[code]
    description = getattr(error, "description", None)
    if code == 400 and description and "CSRF" in str(description):
        message = "Your form expired or was not sent from this site. Reload the page and try again."
    return render_template("error.html", code=code, title=title, message=message), code


# --- dates: stored in UTC, shown in the viewer's zone --------------------

def viewer_zone() -> ZoneInfo:
    name = getattr(current_user, "time_zone", None) or "UTC"
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def format_when(value: datetime | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(viewer_zone()).strftime(fmt)


def format_ago(value: datetime | None) -> str:
    """'5 min ago', 'in 3 h', '2 days ago': coarse, as people say it."""
    if value is None:
        return ""
    seconds = int((value - utcnow()).total_seconds())
    text = format_duration(abs(seconds))
    return f"in {text}" if seconds > 0 else f"{text} ago"


def format_duration(seconds: int | float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    if seconds < 60:
        return "under a minute" if seconds else "0 min"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes and hours < 10 else f"{hours} h"
    return f"{hours // 24} days"
