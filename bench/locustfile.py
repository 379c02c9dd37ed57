"""The users of the load test (run by bench/load.py through the ``locust`` command).

Employees file requests, look at their list and their requests and reply;
agents and heads work their queue (filters, search), open requests, reply,
take them and move their status; heads also open a report when one exists.
Every POST carries its CSRF token like the browser does, and status changes
carry the version the page showed, so the app's real checks run.

A 409 is the app saying "someone else changed this just now" (two agents
took the same request): correct behaviour under contention, counted apart
as a conflict, not as an error.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

PLAN = json.loads(open(os.environ["DESK_LOAD_PLAN"]).read())
PASSWORD = PLAN["password"]
THINK = tuple(float(x) for x in os.environ.get("DESK_LOAD_THINK", "0.5-2.5").split("-"))

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')
KEYS = re.compile(r'href="/requests/([A-Z]+-\d+)"')
SUBMISSION = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')
TYPE_OPTION = re.compile(r'<option value="(\d+)">')

_employees = list(PLAN["employees"])
_staff = list(PLAN["staff"])
random.Random(7).shuffle(_employees)
random.Random(8).shuffle(_staff)


def _token(html: str) -> str | None:
    match = TOKEN.search(html)
    return (match.group(1) or match.group(2)) if match else None


class DeskUser(FastHttpUser):
    abstract = True
    wait_time = between(*THINK)
    email = ""

    def on_start(self) -> None:
        self.csrf = None
        page = self.client.get("/login", name="login page")
        self.csrf = _token(page.text)
        with self.client.post("/login", data={"email": self.email, "password": PASSWORD, "csrf_token": self.csrf},
                              name="login", allow_redirects=False, catch_response=True) as response:
            if response.status_code != 303:
                response.failure(f"login failed for {self.email}: {response.status_code}")
        self.keys: list[str] = []

    def page(self, url: str, name: str) -> str:
        response = self.client.get(url, name=name)
        text = response.text or ""
        self.csrf = _token(text) or self.csrf
        return text

    def post(self, url: str, data: dict, name: str, htmx: bool = False) -> str:
        headers = {"X-CSRFToken": self.csrf or ""}
        if htmx:
            headers["HX-Request"] = "true"
        with self.client.post(url, data=data, headers=headers, name=name, allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code == 409:
                response.success()
                events.request.fire(request_type="CONFLICT", name=name, response_time=0, response_length=0,
                                    exception=None, context={})
            elif response.status_code in (200, 303):
                response.success()
            else:
                response.failure(f"{response.status_code}")
            return response.text or ""

    def open_request(self, name: str) -> tuple[str, str] | None:
        if not self.keys:
            return None
        key = random.choice(self.keys)
        return key, self.page(f"/requests/{key}", name)


class Employee(DeskUser):
    weight = 3

    def on_start(self) -> None:
        self.email = _employees.pop() if _employees else random.choice(PLAN["employees"])
        super().on_start()
        self.keys = KEYS.findall(self.page("/requests?scope=all", "my requests"))

    @task(3)
    def my_requests(self) -> None:
        found = KEYS.findall(self.page("/requests", "my requests"))
        self.keys = found or self.keys

    @task(3)
    def view(self) -> None:
        self.open_request("view request")

    @task(2)
    def file(self) -> None:
        department = random.choice(PLAN["departments"])
        html = self.page(f"/requests/new?department={department}", "new request form")
        select = html.split('id="type"', 1)[-1].split("</select>", 1)[0]
        types = [t for t in TYPE_OPTION.findall(select) if t != "0"]
        submission = SUBMISSION.search(html)
        if not types or not submission:
            return
        data = {"department": department, "type": random.choice(types), "priority": "normal",
                "title": f"Load test {secrets.token_hex(3)}", "body": "Please help; filed by the load test.",
                "submission_key": submission.group(1), "csrf_token": self.csrf}
        self.post("/requests/new", data, "file request")

    @task(2)
    def reply(self) -> None:
        opened = self.open_request("view request")
        if opened and "Send reply" in opened[1]:
            self.post(f"/requests/{opened[0]}/reply", {"body": "Any news? (load test)"}, "reply", htmx=True)


class Agent(DeskUser):
    weight = 2

    def on_start(self) -> None:
        self.email, self.is_head = _staff.pop() if _staff else random.choice(PLAN["staff"])
        super().on_start()
        self.queue()

    @task(4)
    def queue(self) -> None:
        status = random.choice(["open", "open", "all", "new", "in_progress"])
        found = KEYS.findall(self.page(f"/queue/?status={status}", "queue"))
        self.keys = found or self.keys

    @task(1)
    def search(self) -> None:
        word = random.choice(PLAN["search_words"])
        self.page(f"/queue/?status=all&q={word}", "queue search")

    @task(3)
    def view(self) -> None:
        self.open_request("view request")

    @task(2)
    def reply(self) -> None:
        opened = self.open_request("view request")
        if opened and "Send reply" in opened[1]:
            self.post(f"/requests/{opened[0]}/reply", {"body": "Working on it (load test)."}, "reply", htmx=True)

    @task(2)
    def change_status(self) -> None:
        opened = self.open_request("view request")
        if not opened:
            return
        key, html = opened
        version = VERSION.search(html)
        if not version:
            return
        if "Take it" in html:
            self.post(f"/requests/{key}/take", {"version": version.group(1)}, "take", htmx=True)
        elif 'value="resolved"' in html:
            target = random.choice(["waiting_on_requester", "resolved", "in_progress"])
            if f'value="{target}"' in html:
                self.post(f"/requests/{key}/status", {"version": version.group(1), "status": target, "reason": ""},
                          "change status", htmx=True)

    @task(1)
    def report(self) -> None:
        if self.is_head and PLAN["reports"]:
            url = random.choice(PLAN["reports"])
            self.client.get(url, name="report " + url.split("?")[0])
