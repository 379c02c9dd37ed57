"""Helpers the browser journeys share."""

from __future__ import annotations

import re

from playwright.sync_api import Locator


def follow(link: Locator, url: str) -> None:
    """Click a link and wait until the page it opens has loaded. Playwright's click does not wait
    for the navigation it starts, and until the new page's deferred htmx has run, a change or a
    click there goes unheard (or becomes a full page load)."""
    link.click()
    link.page.wait_for_url(re.compile(url))  # waits for the "load" event too
