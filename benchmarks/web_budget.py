"""The web app's budget: gzipped JavaScript of the investor pages, and the time until the
portfolio page shows its holdings in headless Chromium on the demo data.

    python -m benchmarks.web_budget [--repeats 5]

Runs ``saras demo --no-serve`` on a throwaway server (DATABASE_URL's when set, else an
embedded one; the demo makes its own database there), serves it with ``saras serve`` (the
built web/), signs in as the demo investor Asha and visits every investor page, counting
each JavaScript file the browser loads once (gzip level 9, as a server would send it).
Then, in a fresh tab with the session cookie, times a full load of /app/portfolio until
the holdings table is visible, against a baseline measured in the same run: one bare API
round trip (``GET /portfolio/status``) from the same page.
Goals (issue 13): under 250 KB of gzipped JavaScript, under 1 s to holdings.
"""

from __future__ import annotations

import argparse
import gzip
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import psycopg
from playwright.sync_api import sync_playwright
from sqlalchemy.engine import make_url

from benchmarks.allocation_table import _database

BUILD = Path(__file__).resolve().parent.parent / "web" / "build"
INVESTOR_PAGES = ["/portfolio", "/discover", "/intents", "/activity", "/tax", "/kyc", "/trade"]
GOAL_KB = 250
GOAL_SECONDS = 1.0


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/portfolio/status", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("saras serve did not start")


def _measure(base: str, repeats: int) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        context = browser.new_context(base_url=base)
        page = context.new_page()
        scripts: dict[str, int] = {}

        def count(response) -> None:  # type: ignore[no-untyped-def]
            # Sized from the built file the bridge served: the browser drops a response's
            # body once its page navigates on, so reading it here could fail.
            path = urlparse(response.url).path
            if path.endswith(".js") and path not in scripts and response.ok:
                shipped = BUILD / path.removeprefix("/app/")
                scripts[path] = len(gzip.compress(shipped.read_bytes(), compresslevel=9))

        page.on("response", count)
        page.goto("/app/login")
        page.get_by_label("Email", exact=True).fill("asha@saras.demo")
        page.get_by_label("Password", exact=True).fill("saras-demo-password")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_test_id("holdings").first.wait_for()
        first_load = sum(scripts.values())
        for path in INVESTOR_PAGES:
            page.get_by_role("navigation").locator(f'a[href="/app{path}"]').click()
            page.wait_for_load_state("networkidle")
        page.goto("/app/discover")
        page.get_by_test_id("smallcases").get_by_role("link").first.click()
        page.wait_for_load_state("networkidle")
        page.goto("/app/portfolio")
        page.get_by_test_id("subscription").first.get_by_role("link").first.click()
        page.wait_for_load_state("networkidle")
        total = sum(scripts.values())

        to_holdings: list[float] = []
        api: list[float] = []
        for _ in range(repeats):
            tab = context.new_page()
            started = time.perf_counter()
            tab.goto("/app/portfolio")
            tab.get_by_test_id("holdings").first.wait_for()
            to_holdings.append(time.perf_counter() - started)
            api.append(
                tab.evaluate(
                    "async () => { const t = performance.now();"
                    " await fetch('/portfolio/status'); return (performance.now() - t) / 1000; }"
                )
            )
            tab.close()
        browser.close()

    seconds = statistics.median(to_holdings)
    baseline = statistics.median(api)
    print(
        f"investor pages: {len(scripts)} JS files, {total / 1024:.1f} KB gzipped "
        f"(first load of the portfolio: {first_load / 1024:.1f} KB); goal < {GOAL_KB} KB: "
        f"{'met' if total / 1024 < GOAL_KB else 'MISSED'}"
    )
    print(
        f"portfolio to holdings (full load, session from the cookie): median {seconds:.3f} s "
        f"over {repeats}; goal < {GOAL_SECONDS} s: {'met' if seconds < GOAL_SECONDS else 'MISSED'}"
    )
    print(
        f"baseline, one API round trip from the page: {baseline * 1000:.1f} ms; "
        f"ratio {seconds / baseline:.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url, admin = _database(Path(scratch))
        env = {**os.environ, "DATABASE_URL": url}
        env.pop("SARAS_DATABASE_URL", None)
        try:
            subprocess.run(
                [sys.executable, "-m", "saras", "demo", "--no-serve"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            port = _port()
            base = f"http://127.0.0.1:{port}"
            # the demo makes its own database (saras_demo) on the same server
            demo = make_url(url).set(database="saras_demo").render_as_string(hide_password=False)
            server = subprocess.Popen(
                [sys.executable, "-m", "saras", "serve", "--port", str(port)],
                env={**env, "DATABASE_URL": demo},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                _wait(base, server)
                _measure(base, args.repeats)
            finally:
                server.terminate()
                server.wait(timeout=10)
        finally:
            if admin is not None:
                with psycopg.connect(admin, autocommit=True) as connection:
                    connection.execute(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
