"""Attacks refused: CSRF, session handling, caching, open redirects, error pages,
login rate limits and password checks."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlalchemy import select

from desk import create_app
from desk.extensions import db, limiter
from desk.models import Event, EventKind, User
from tests.conftest import TEST_CONFIG
from tests.hardening_world import built_world, log_in

TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')  # base.html hands htmx the token on <body>
PASSWORD = "correct horse battery"


@pytest.fixture
def world(app):
    return built_world(app)


def variant(app, **config):
    """Another app on the same test database, with some settings changed."""
    return create_app({**TEST_CONFIG, "DATABASE_URL": app.config["DATABASE_URL"],
                       "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], **config})


def token_of(client, url="/login") -> str:
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


# --- CSRF ------------------------------------------------------------------

@pytest.fixture(scope="module")
def csrf_app(app):
    return variant(app, WTF_CSRF_ENABLED=True)


def csrf_login(client, email: str) -> str:
    token = token_of(client)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    return token_of(client, "/requests")


def test_every_state_change_refuses_a_post_without_token(csrf_app, world):
    from tests.test_access_matrix import PARAMS

    client = csrf_app.test_client()
    csrf_login(client, world.emails["agent"])
    checked = []
    for rule in csrf_app.url_map.iter_rules():
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            url = rule.build({name: PARAMS[name](world) for name in rule.arguments})[1]
            response = client.open(url, method=method, data={"body": "no token"},
                                   headers={"HX-Request": "true"})
            text = response.get_data(as_text=True)
            assert response.status_code == 400, f"{method} {url} accepted a request without a CSRF token"
            assert "Your form expired or was not sent from this site." in text, url
            assert "Traceback" not in text and "CSRFError" not in text
            checked.append(rule.endpoint)
    assert {"actions.reply", "auth.login", "auth.logout", "requests.new"} <= set(checked)
    with csrf_app.app_context():
        assert not db.session.scalar(select(Event).where(Event.body == "no token"))


def test_htmx_post_with_the_header_token_goes_through(csrf_app, world):
    client = csrf_app.test_client()
    token = csrf_login(client, world.emails["agent"])
    page = client.get(f"/requests/{world.request_key}").get_data(as_text=True)
    # the page hands htmx the token in hx-headers on <body>
    headers = json.loads(re.search(r"<body[^>]*hx-headers='([^']+)'", page).group(1))
    # signed with a timestamp: same session secret (before the first dot), maybe another second
    assert list(headers) == ["X-CSRFToken"] and headers["X-CSRFToken"].split(".")[0] == token.split(".")[0]
    response = client.post(f"/requests/{world.request_key}/reply", data={"body": "With the header"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    assert "With the header" in response.get_data(as_text=True)
    # and a token from someone else's session is worthless
    other = csrf_app.test_client()
    csrf_login(other, world.emails["head"])
    stolen = other.post(f"/requests/{world.request_key}/reply", data={"body": "Stolen token"},
                        headers={"HX-Request": "true", "X-CSRFToken": token})
    assert stolen.status_code == 400


def test_login_form_itself_needs_the_token(csrf_app, world):
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": world.emails["agent"], "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/requests").status_code == 302  # not logged in


# --- cookies and sessions -----------------------------------------------------

def test_session_cookie_is_httponly_and_samesite(client, world):
    response = client.post("/login", data={"email": world.emails["agent"], "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    assert "Strict-Transport-Security" not in response.headers


def test_cookie_is_secure_and_hsts_sent_when_configured(app, world):
    secure = variant(app, SESSION_COOKIE_SECURE=True)
    client = secure.test_client()
    response = client.post("/login", data={"email": world.emails["agent"], "password": PASSWORD},
                           base_url="https://desk.test")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_is_rotated_at_login(app, world):
    attacker = app.test_client()
    attacker.get("/login")
    with attacker.session_transaction() as session:
        session["planted"] = "by the attacker"
    planted = attacker.get_cookie("session", domain="desk.test").value
    victim = app.test_client()
    victim.set_cookie("session", planted, domain="desk.test")
    log_in(victim, world.emails["requester"])
    with victim.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{world.user_ids['requester']}:")
    assert victim.get_cookie("session", domain="desk.test").value != planted
    # the attacker's copy of the old cookie is still nobody
    assert attacker.get("/requests").status_code == 302


def test_logout_kills_copies_of_the_cookie(app, world):
    client = log_in(app.test_client(), world.emails["agent"])
    stolen = client.get_cookie("session", domain="desk.test").value
    with app.app_context():
        before = db.session.get(User, world.user_ids["agent"]).session_token
    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    thief = app.test_client()
    thief.set_cookie("session", stolen, domain="desk.test")
    replay = thief.get(f"/requests/{world.request_key}")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    with app.app_context():
        assert db.session.get(User, world.user_ids["agent"]).session_token != before


def test_deactivation_and_leaving_the_department_count_on_the_next_request(app, world):
    agent = log_in(app.test_client(), world.emails["agent"])
    head = log_in(app.test_client(), world.emails["head"])
    assert agent.get(f"/requests/{world.request_key}").status_code == 200
    with app.app_context():
        db.session.get(User, world.user_ids["agent"]).department_id = None
        db.session.get(User, world.user_ids["head"]).active = False
        db.session.commit()
    assert agent.get(f"/requests/{world.request_key}").status_code == 404
    assert agent.get("/queue/").status_code == 404
    gone = head.get(f"/requests/{world.request_key}")
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    refused = app.test_client().post("/login", data={"email": world.emails["head"], "password": PASSWORD})
    assert refused.status_code == 422


def test_logged_in_pages_are_not_cached_and_htmx_keeps_no_history(client, world):
    log_in(client, world.emails["agent"])
    for url in ("/requests", "/queue/", f"/requests/{world.request_key}"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store"
        assert "HX-Request" in response.headers["Vary"]
    page = client.get("/queue/").get_data(as_text=True)
    config = json.loads(re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page).group(1))
    assert config["historyCacheSize"] == 0
    assert config["selfRequestsOnly"] is True
    assert config["allowEval"] is False and config["allowScriptTags"] is False


# --- redirects and errors ---------------------------------------------------------

EVIL_NEXT = ["//evil.com", "https://evil.com", "http:evil.com", "/\\evil.com", "\\\\evil.com",
             "javascript:alert(1)", "/\t/evil.com", "/\n/evil.com", " //evil.com", "//evil.com/%2F..",
             "https:/evil.com", "data:text/html,<script>alert(1)</script>"]


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_open_redirects_go_home(client, world, target):
    response = client.post("/login", query_string={"next": target},
                           data={"email": world.emails["requester"], "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    again = client.get("/login", query_string={"next": target})
    assert again.headers["Location"] == "/"


def test_a_safe_next_is_kept(client, world):
    response = client.post("/login", query_string={"next": f"/requests/{world.request_key}"},
                           data={"email": world.emails["requester"], "password": PASSWORD})
    assert response.headers["Location"] == f"/requests/{world.request_key}"


def test_errors_show_a_plain_page_never_a_traceback(app):
    broken = variant(app, PROPAGATE_EXCEPTIONS=False, TESTING=False)

    @broken.get("/boom")
    def boom():
        raise RuntimeError("secret-internal-detail in /srv/desk/desk/views.py")

    response = broken.test_client().get("/boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in text
    assert "Traceback" not in text and "secret-internal-detail" not in text and "RuntimeError" not in text
    assert response.headers["Content-Security-Policy"]
    missing = broken.test_client().get("/no/such/page")
    assert missing.status_code == 404 and "There is nothing here" in missing.get_data(as_text=True)


# --- login: rate limits, one message, password rules -----------------------------

@pytest.fixture
def limited(app):
    """An app with the login limiter on (3 per minute). Flask-Limiter keeps its
    switch on the shared extension object, so it is switched back off after."""
    saved = limiter.enabled

    def make(storage="memory://"):
        return variant(app, RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute", RATELIMIT_STORAGE_URI=storage)

    yield make
    limiter.enabled = saved


def _attempt(client, email, password="wrong password", address="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_login_limited_per_account_across_addresses(limited, world):
    client = limited().test_client()
    email = world.emails["agent"]
    answers = [_attempt(client, email, address=f"10.0.1.{n}").status_code for n in range(3)]
    assert answers == [422, 422, 422]
    blocked = _attempt(client, email, PASSWORD, address="10.0.1.99")
    assert blocked.status_code == 429  # even with the right password, from a fresh address
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # another account is not affected
    assert _attempt(client, world.emails["head"], PASSWORD, address="10.0.1.98").status_code == 303


def test_login_limited_per_address_across_accounts(limited, world):
    client = limited().test_client()
    answers = [_attempt(client, f"nobody{n}@example.test", address="10.0.2.1").status_code for n in range(3)]
    assert answers == [422, 422, 422]
    assert _attempt(client, world.emails["agent"], PASSWORD, address="10.0.2.1").status_code == 429
    assert _attempt(client, world.emails["agent"], PASSWORD, address="10.0.2.2").status_code == 303


def test_login_limit_shared_through_redis(limited, world):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except Exception:
        pytest.skip("no Redis at 127.0.0.1:6379")
    storage = "redis://127.0.0.1:6379"
    # two processes' worth of apps share one count
    first, second = limited(storage).test_client(), limited(storage).test_client()
    email = f"{uuid.uuid4().hex}@example.test"
    assert [_attempt(c, email, address=f"10.0.3.{n}").status_code for n, c in enumerate([first, second, first])] \
        == [422, 422, 422]
    assert _attempt(second, email, address="10.0.3.9").status_code == 429


def test_same_message_for_unknown_email_wrong_password_and_deactivated(app, client, world):
    with app.app_context():
        db.session.get(User, world.user_ids["hr"]).active = False
        db.session.commit()
    answers = []
    for email, password in [("nobody@example.test", PASSWORD), (world.emails["agent"], "wrong password"),
                            (world.emails["hr"], PASSWORD)]:
        response = client.post("/login", data={"email": email, "password": password})
        error = re.search(r'id="password-error"[^>]*>([^<]+)<', response.get_data(as_text=True)).group(1)
        answers.append((response.status_code, error))
    assert answers == [(422, "E-mail or password is not right.")] * 3


@pytest.mark.parametrize("password, message", [
    ("short1", "at least 10 characters"),
    ("password1234", "too easy to guess"),
    ("qwertyuiop12", "too easy to guess"),
    ("aaaaaaaaaaaaaa", "too easy to guess"),
    ("Newman Person1", "too easy to guess"),  # the person's own name
])
def test_weak_passwords_are_refused_when_set(app, world, password, message):
    admin = log_in(app.test_client(), world.emails["admin"])
    response = admin.post("/admin/users/new", data={
        "name": "Newman Person", "email": "newman@example.test", "department": world.it_id, "role": "member",
        "time_zone": "UTC", "active": "y", "password": password})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).lower().replace("&#39;", "'")
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "newman@example.test")) is None


def test_a_strong_password_is_accepted_and_works(app, world):
    admin = log_in(app.test_client(), world.emails["admin"])
    response = admin.post("/admin/users/new", data={
        "name": "Newman Person", "email": "newman@example.test", "department": world.it_id, "role": "member",
        "time_zone": "UTC", "active": "y", "password": "vivid otter paints seventeen"})
    assert response.status_code == 303
    log_in(app.test_client(), "newman@example.test", "vivid otter paints seventeen")


def test_no_event_from_refused_posts(app, world):
    with app.app_context():
        kinds = [e.kind for e in db.session.scalars(select(Event).order_by(Event.id))]
    assert kinds.count(EventKind.CREATED) == 2
