"""The web app's end-to-end tests: the real bridge (``saras serve``) on a cloned PostgreSQL
database with the demo users, serving the built app (web/build), driven by Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.demo.seed import seed_demo
from tests.logged import log_of, spawn
from tests.web.browser import WEB, chromium_path


def _newest_source() -> float:
    paths = [p for p in (WEB / "src").rglob("*") if p.is_file()]
    paths += [WEB / name for name in ("package.json", "svelte.config.js", "vite.config.ts")]
    return max(p.stat().st_mtime for p in paths)


@pytest.fixture(scope="session")
def web_build() -> None:
    """web/build, built now when it is missing or older than the sources."""
    index = WEB / "build" / "index.html"
    if index.exists() and index.stat().st_mtime >= _newest_source():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("the web tests need Node.js and npm to build web/ (see README)")
    if not (WEB / "node_modules").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
    subprocess.run([npm, "run", "build"], cwd=WEB, check=True, capture_output=True)


# Assertions wait for the page, not for a fixed time: long enough for argon2 hashing and the
# engine on a loaded two-core machine.
expect.set_options(timeout=30_000)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Bridge:
    """A running bridge: its address, its database and the environment of its processes."""

    url: str
    sessions: sessionmaker[Session]
    env: dict[str, str]

    def saras(self, *arguments: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """``saras <arguments>`` on the bridge's database, run to its end."""
        return subprocess.run(
            [sys.executable, "-m", "saras", *arguments],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@pytest.fixture
def bridge(committed: sessionmaker[Session], web_build: None) -> Iterator[Bridge]:
    """``saras serve`` on a fresh database with the demo users and smallcases."""
    with committed() as session, session.begin():
        seed_demo(session)
    url = committed.kw["bind"].url.render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, "SARAS_WEB_DIR": str(WEB)}
    env.pop("SARAS_DATABASE_URL", None)
    port = _free_port()
    # Its log to a file (`spawn`): with a pipe nobody read, every request blocked on its log
    # line once 64 KiB of them had filled it, the page stuck loading.
    process = spawn([sys.executable, "-m", "saras", "serve", "--port", str(port)], env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/portfolio/status", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"saras serve did not start: {log_of(process)}")
            time.sleep(0.2)
        yield Bridge(base, committed, env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
