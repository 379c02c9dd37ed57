"""Browser tests: Playwright driving Debian's Chromium against a live server.

The server is the real app in a thread (werkzeug, a free port on 127.0.0.1),
on the same per-worker database as the rest of the suite, with CSRF *on*, so
these tests prove the real forms and htmx requests carry their tokens.

Without Chromium the tests are skipped, unless ``DESK_REQUIRE_BROWSER=1`` (or
``CI=true``): then a missing browser, or any skipped browser test, fails.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from desk import create_app
from tests.conftest import TEST_CONFIG
from tests.factories import Factory

REQUIRED = os.environ.get("DESK_REQUIRE_BROWSER") == "1" or os.environ.get("CI") == "true"

# Keep Chromium off the network and quiet; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

expect.set_options(timeout=10_000)


def chromium_path() -> str | None:
    """Debian's Chromium, or the executable named by ``DESK_CHROMIUM`` (then only that one)."""
    chosen = os.environ.get("DESK_CHROMIUM")
    candidates = [chosen] if chosen else ["/usr/lib/chromium/chromium", shutil.which("chromium")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped browser test is a failure: the journeys must really run."""
    report = yield
    if REQUIRED and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"browser tests are required here (DESK_REQUIRE_BROWSER/CI), but this one skipped: {reason}"
    return report


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        message = "Chromium not found (apt-get install chromium, or set DESK_CHROMIUM)"
        if REQUIRED:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_app(app, database_url, tmp_path_factory):
    """The app as a browser meets it: real host and port, CSRF on, same database as ``app``."""
    config = {key: value for key, value in TEST_CONFIG.items() if key not in {"SERVER_NAME", "WTF_CSRF_ENABLED"}}
    live = create_app({**config, "DATABASE_URL": database_url,
                       "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("live-uploads"))})
    assert live.config.get("WTF_CSRF_ENABLED", True), "browser tests must run with CSRF on"
    return live


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with live_app.app_context():
        from desk.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    return live_server


@pytest.fixture
def page(page: Page, app, make) -> Page:
    """pytest-playwright's page, asking for ``app``/``make`` so every test gets a clean database."""
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def log_in(base_url):
    """Log a user in through the real login form, in the given page."""

    def log_in_as(page: Page, user, password: str = Factory.PASSWORD) -> Page:
        page.goto(f"{base_url}/login")
        page.get_by_label("E-mail").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        # The log-out form exists once logged in (its button hides in the phone menu).
        expect(page.locator("form[action$='/logout']")).to_be_attached()
        # htmx is a deferred script: on a loaded machine it may not be wired up yet
        # when the test starts typing, and the first input event would go unheard.
        page.wait_for_load_state("load")
        page.wait_for_function("() => window.htmx !== undefined")
        return page

    return log_in_as


@pytest.fixture
def page_as(new_context, log_in):
    """Another person at another computer: a browser context of their own, logged in."""

    def open_as(user) -> Page:
        return log_in(new_context().new_page(), user)

    return open_as
