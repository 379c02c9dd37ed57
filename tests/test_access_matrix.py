"""Every route, as every role: the outcome each one gets, from one table.

How to read and extend ``ACCESS``:

* The key is ``"METHOD endpoint"`` for every method of every rule in
  ``app.url_map`` (HEAD and OPTIONS aside). A route without a row fails
  :func:`test_every_route_has_a_row`; so does a row whose route is gone.
* The value lists the expected outcome per role, in the order of
  ``tests.hardening_world.ROLES``:
  anonymous, the requester of IT-1 (Marketing), a member of another department
  (Finance), an agent of another department (Finance), an agent of the
  providing department (IT), the head of IT, HR staff, an administrator.
  Outcomes: a status code (``200``, ``303``, ``404``, ``422``, ...), or ``L``
  for "redirected to the login page".
* POST rows send an empty form (CSRF is off in tests): an allowed role gets
  the validation answer (422) or the action's redirect, a forbidden one its
  404/403, and nothing changes by accident.
* Path parameters come from ``PARAMS`` (filled from the small world in
  ``tests/hardening_world.py``). A new parameter name: add a line to
  ``PARAMS`` (and, if needed, the object to the world). Query strings a route
  needs: ``QUERY``.
* Run with ``-k access`` and read the failure: it prints the row as it
  actually is, ready to paste after you have checked that it is right.

Every response is also checked for the security headers, ``no-store`` when
logged in, and for canaries: text of IT-1 (title, body, internal note) and of
a confidential HR request must not appear in any page, fragment, CSV or
download of a role that may not read it.
"""

from __future__ import annotations

import re

import pytest

from tests.hardening_world import ROLES, World, built_world, log_in

L = "L"

ACCESS: dict[str, str] = {
    # endpoint                                 anon req  mem  agO  agt  head hr   admin
    "GET requests.home":                      "L    302  302  302  302  302  302  302",
    "GET auth.login":                         "200  302  302  302  302  302  302  302",
    "POST auth.login":                        "422  302  302  302  302  302  302  302",
    "POST auth.logout":                       "L    303  303  303  303  303  303  303",
    "GET requests.mine":                      "L    200  200  200  200  200  200  200",
    "GET requests.new":                       "L    200  200  200  200  200  200  200",
    "POST requests.new":                      "L    422  422  422  422  422  422  422",
    "GET requests.type_options":              "L    200  200  200  200  200  200  200",
    "GET requests.people":                    "L    200  200  200  200  200  200  200",
    "GET requests.show":                      "L    200  404  404  200  200  404  404",
    "GET queue.index":                        "L    404  404  200  200  200  404  404",
    "GET attachments.download":               "L    200  404  404  200  200  404  404",
    "POST actions.reply":                     "L    422  404  404  422  422  404  404",
    "POST actions.note":                      "L    403  404  404  422  422  404  404",
    "POST actions.take":                      "L    403  404  404  422  422  404  404",
    "POST actions.assign":                    "L    403  404  404  422  422  404  404",
    "POST actions.status":                    "L    403  404  404  422  422  404  404",
    "POST actions.priority":                  "L    403  404  404  422  422  404  404",
    "POST actions.transfer":                  "L    403  404  404  422  422  404  404",
    "POST actions.cancel":                    "L    422  404  404  403  403  404  404",
    "POST actions.reopen":                    "L    422  404  404  403  403  404  404",
    "POST actions.add_watcher":               "L    422  404  404  422  422  404  404",
    "POST actions.escalate":                  "L    422  404  404  403  403  404  404",
    "POST actions.open_linked_request":       "L    403  404  404  422  422  404  404",
    # issue 3: agreements (IT's department-wide agreement, published by IT's head). Signing off is for
    # heads of requesting departments (none of these roles: Marketing's head is not one of them).
    "GET agreements.index":                  "L    404  404  404  404  200  200  404",
    "GET agreements.show":                   "L    404  404  404  404  200  200  404",
    "GET agreements.publish":                "L    404  404  404  404  200  404  404",
    "POST agreements.publish":               "L    404  404  404  404  422  404  404",
    "GET agreements.between":                "L    404  404  404  404  200  200  404",
    "GET agreements.new":                    "L    404  404  404  404  200  404  404",
    "POST agreements.new":                   "L    404  404  404  404  422  404  404",
    "GET agreements.offered":                "L    404  404  404  404  200  404  404",
    "GET agreements.received":               "L    404  404  404  404  200  404  404",
    "POST agreements.sign_off":              "L    404  404  404  404  404  404  404",
    "POST agreements.retire":                "L    404  404  404  404  303  404  404",
    # issue 5: reports. Heads see their department's, HR the aggregates; only a head opens the requests
    # behind a bottleneck cell of their own department (HR never sees request contents).
    "GET reports.attainment":                "L    404  404  404  404  200  200  404",
    "GET reports.bottlenecks":               "L    404  404  404  404  200  200  404",
    "GET reports.cell_requests":             "L    404  404  404  404  200  404  404",
    "GET reports.chart":                     "L    404  404  404  404  200  200  404",
    "GET reports.handoffs":                  "L    404  404  404  404  200  200  404",
    "GET reports.health":                    "L    404  404  404  404  200  200  404",
    "GET reports.review":                    "L    404  404  404  404  200  200  404",
    "GET reports.waits":                     "L    404  404  404  404  200  200  404",
    "GET health.health":                      "200  200  200  200  200  200  200  200",
    "GET catalogue.index":                    "L    200  200  200  200  200  200  200",
    "GET catalogue.manage":                   "L    404  404  404  404  200  404  404",
    "GET catalogue.new_type":                 "L    404  404  404  404  200  404  404",
    "POST catalogue.new_type":                "L    404  404  404  404  422  404  404",
    "GET catalogue.edit_type":                "L    404  404  404  404  200  404  404",
    "POST catalogue.edit_type":               "L    404  404  404  404  303  404  404",
    "POST catalogue.archive":                 "L    404  404  404  404  303  404  404",
    "POST catalogue.unarchive":               "L    404  404  404  404  303  404  404",
    "GET admin.index":                        "L    404  404  404  404  404  404  302",
    "GET admin.departments":                  "L    404  404  404  404  404  404  200",
    "GET admin.new_department":               "L    404  404  404  404  404  404  200",
    "POST admin.new_department":              "L    404  404  404  404  404  404  422",
    "GET admin.edit_department":              "L    404  404  404  404  404  404  200",
    "POST admin.edit_department":             "L    404  404  404  404  404  404  303",
    "GET admin.users":                        "L    404  404  404  404  404  404  200",
    "GET admin.new_user":                     "L    404  404  404  404  404  404  200",
    "POST admin.new_user":                    "L    404  404  404  404  404  404  422",
    "GET admin.edit_user":                    "L    404  404  404  404  404  404  200",
    "POST admin.edit_user":                   "L    404  404  404  404  404  404  303",
    "GET calendars.index":                    "L    404  404  404  404  404  404  200",
    "GET calendars.new":                      "L    404  404  404  404  404  404  200",
    "POST calendars.new":                     "L    404  404  404  404  404  404  422",
    "GET calendars.edit":                     "L    404  404  404  404  404  404  200",
    "POST calendars.edit":                    "L    404  404  404  404  404  404  422",
    "POST calendars.save_day":                "L    404  404  404  404  404  404  422",
    "POST calendars.remove_day":              "L    404  404  404  404  404  404  303",
    "POST calendars.import_holidays":         "L    404  404  404  404  404  404  422",
    # IT uses the world's calendar, so the administrator's delete is refused (303 back, with the reason).
    "POST calendars.delete":                  "L    404  404  404  404  404  404  303",
    # issue 4: notifications and ratings. The rating link's token is the credential (no login);
    # IT-1 is not resolved, so the link page says it cannot be rated and POSTing it is refused (409).
    "GET notifications.bell":                 "286  200  200  200  200  200  200  200",
    "GET notifications.index":                "L    200  200  200  200  200  200  200",
    "POST notifications.mark_read":           "L    303  404  404  404  404  404  404",
    "POST notifications.mark_all_read":       "L    303  303  303  303  303  303  303",
    "GET notifications.settings":             "L    200  200  200  200  200  200  200",
    "POST notifications.settings":            "L    303  303  303  303  303  303  303",
    "POST ratings.rate":                      "L    422  404  404  403  403  404  404",
    "POST ratings.not_fixed":                 "L    422  404  404  403  403  404  404",
    "GET ratings.link":                       "200  200  200  200  200  200  200  200",
    "POST ratings.link_confirm":              "409  409  409  409  409  409  409  409",
    "GET ratings.link_more":                  "303  303  303  303  303  303  303  303",
    "POST ratings.link_more":                 "303  303  303  303  303  303  303  303",
    "GET ratings.to_rate":                    "L    200  200  200  200  200  200  200",
    "GET ratings.worked":                     "L    404  404  200  200  200  404  404",
    "GET rating_reports.department":          "L    404  404  404  404  200  404  404",
    "GET rating_reports.department_csv":      "L    404  404  404  404  200  404  404",
    "GET rating_reports.hr":                  "L    404  404  404  404  404  200  404",
    "GET rating_reports.hr_csv":              "L    404  404  404  404  404  200  404",
}

# Path parameters, filled from the world. Add a name here when a route introduces one.
PARAMS = {
    "key": lambda w: w.request_key,
    "attachment_id": lambda w: w.public_attachment_id,
    "user_id": lambda w: w.user_ids["requester"],
    "department_id": lambda w: w.it_id,
    "code": lambda w: "IT",
    "type_id": lambda w: w.laptop_id,
    "calendar_id": lambda w: w.calendar_id,
    "day_id": lambda w: w.calendar_day_id,
    "notification_id": lambda w: w.notification_id,
    "token": lambda w: w.rating_token,
    "name": lambda w: "weekly",  # a rating table both report pages export
    "agreement_id": lambda w: w.agreement_id,
    "version_id": lambda w: w.agreement_version_id,
    "provider_id": lambda w: w.it_id,
    "requester_id": lambda w: w.mkt_id,
}

# The same parameter name meaning something else on one endpoint.
PARAMS_FOR = {
    "reports.chart": {"name": lambda w: "review-weekly"},
}

# Query strings some routes need to do anything.
QUERY = {
    "GET requests.people": {"email": "ri"},
    "GET requests.type_options": {"department": "{it_id}"},
    "GET reports.cell_requests": {"requesting": "{mkt_id}", "providing": "{it_id}", "show": "open"},
}


def route_names(app) -> dict[str, object]:
    names = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            names[f"{method} {rule.endpoint}"] = rule
    return names


def test_every_route_has_a_row(app):
    names = route_names(app)
    missing = sorted(set(names) - set(ACCESS))
    assert not missing, (
        f"No access row for {missing}: add a row to ACCESS in tests/test_access_matrix.py "
        "(run the test for it to see the outcomes it gets now)."
    )
    gone = sorted(set(ACCESS) - set(names))
    assert not gone, f"ACCESS has rows for routes that no longer exist: {gone}"
    for rule in names.values():
        unknown = set(rule.arguments) - set(PARAMS)
        assert not unknown, f"{rule.rule}: add {sorted(unknown)} to PARAMS in tests/test_access_matrix.py"


@pytest.fixture(scope="module")
def _names(app):
    return route_names(app)


@pytest.fixture
def world(app) -> World:
    return built_world(app)


def url_for_rule(rule, world: World) -> str:
    params = {**PARAMS, **PARAMS_FOR.get(rule.endpoint, {})}
    values = {name: params[name](world) for name in rule.arguments}
    return rule.build(values)[1]


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and "/login" in location:
        return L
    return str(response.status_code)


def check_headers(name: str, role: str, response) -> None:
    where = f"{name} as {role}"
    csp = response.headers.get("Content-Security-Policy", "")
    assert csp, f"{where}: no Content-Security-Policy"
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    scripts = directives.get("script-src", directives.get("default-src", ""))
    assert "unsafe-inline" not in scripts and "unsafe-eval" not in csp, f"{where}: {csp}"
    # Pages allow no inline style either; a standalone SVG chart (default-src 'none') may style itself.
    if response.mimetype == "text/html":
        assert "unsafe-inline" not in csp, f"{where}: {csp}"
    assert "frame-ancestors 'none'" in csp or response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}, where
    if role != "anon" and name != "POST auth.logout":
        assert "no-store" in response.headers.get("Cache-Control", ""), f"{where}: cacheable"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle=|<style[\s>]", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\s(on[a-z]+|hx-on[:\w-]*)=", re.I)


def check_markup(name: str, role: str, response) -> None:
    """The CSP blocks inline script and style; a page that has them is broken, so none may."""
    if response.mimetype != "text/html":
        return
    body = response.get_data(as_text=True)
    for pattern, what in ((INLINE_SCRIPT, "an inline <script>"), (INLINE_STYLE, "inline style"),
                          (INLINE_HANDLER, "an inline event handler")):
        found = pattern.search(body)
        assert found is None, f"{name} as {role} has {what}: {found.group(0)[:80]!r}"


def check_canaries(name: str, role: str, response) -> None:
    body = response.get_data().decode("utf-8", errors="replace")
    for canary, readers in World.readers().items():
        if role not in readers:
            assert canary not in body, f"{name} as {role} shows {canary!r}, which it may not read"


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_access(name, app, _names, world):
    if name not in _names:
        pytest.skip("route gone; test_every_route_has_a_row reports it")
    rule = _names[name]
    method = name.split()[0]
    url = url_for_rule(rule, world)
    query = {k: v.format(it_id=world.it_id, mkt_id=world.mkt_id) for k, v in QUERY.get(name, {}).items()}
    expected = ACCESS[name].split()
    assert len(expected) == len(ROLES), f"{name}: the row needs one outcome per role {ROLES}"
    actual = []
    for role in ROLES:
        client = app.test_client()
        if world.emails[role]:
            log_in(client, world.emails[role])
        response = client.open(url, method=method, query_string=query, data={})
        actual.append(outcome(response))
        check_headers(name, role, response)
        check_canaries(name, role, response)
        check_markup(name, role, response)
        if response.status_code >= 400:
            assert "Traceback" not in response.get_data().decode("utf-8", errors="replace")
    row = "  ".join(f"{a:<3}" for a in actual).rstrip()
    assert actual == expected, f"{name} at {url}: got\n    {name!r}: {row!r},\nexpected {ACCESS[name]!r}"


def test_anonymous_login_redirect_keeps_a_safe_next(app, world):
    response = app.test_client().get(f"/requests/{world.request_key}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert world.request_key in response.headers["Location"]
