"""The browser side of the web tests: Debian's Chromium driven by Playwright, pages
screenshotted at desktop and phone width, and axe-core run inside each page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

from bridge_api.config import REPOSITORY

WEB = REPOSITORY / "web"
SCREENSHOTS = WEB / "screenshots"
AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str:
    """Debian's Chromium (the test command installs it when missing); never a download."""
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        raise RuntimeError(
            "no chromium: apt-get install -y chromium (see the README's test command)"
        )
    return found


def new_context(browser: Browser, base_url: str) -> BrowserContext:
    """A fresh browser profile (its own cookies) at desktop size. CSP is bypassed only so the
    tests can inject axe-core; the app itself runs under the bridge's policy."""
    context = browser.new_context(base_url=base_url, viewport=DESKTOP, bypass_csp=True)
    context.set_default_timeout(15_000)
    return context


def shoot(page: Page, name: str) -> None:
    """Screenshot the page at desktop and at phone width into web/screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.wait_for_timeout(150)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(250)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it stands."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return list(result)


def check_page(page: Page, name: str) -> None:
    """Screenshot a main page and fail on any serious or critical accessibility problem."""
    problems = serious_violations(page)
    shoot(page, name)
    assert not problems, f"{name}: {json.dumps(problems, indent=1)}"
