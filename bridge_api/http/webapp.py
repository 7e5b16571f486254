"""The web app, served from its static build under ``/app/`` (docs/web.md).

Pages live under ``/app/`` and every API path stays where it is, so no page can shadow the
API. ``GET /`` redirects to ``/app/``. A file of the build is served as it is (the hashed
assets under ``/app/_app/immutable/`` cached for a year); any other path under ``/app/`` is a
client-side route and gets ``index.html``, never cached. Each HTML page carries a content
security policy that allows its own inline scripts by their SHA-256 hashes and nothing else
inline. Without a build, ``/app/`` answers a page that says how to build it; the API works.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from bridge_api.config import get_settings

PREFIX = "/app"
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
_INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE
)

router = APIRouter(include_in_schema=False)


def page_policy(inline_hashes: list[str]) -> str:
    """The content security policy of an app page: scripts only from this origin and the
    page's own inline scripts (by hash); styles from this origin and inline (Svelte sets
    style attributes); connections only to this origin; no frames, plugins or base URL."""
    scripts = " ".join(["'self'", *(f"'{h}'" for h in inline_hashes)])
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def inline_script_hashes(page: str) -> list[str]:
    """``sha256-...`` of every inline script of an HTML page, in order, without repeats."""
    hashes: list[str] = []
    for body in _INLINE_SCRIPT.findall(page):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        if f"sha256-{digest}" not in hashes:
            hashes.append(f"sha256-{digest}")
    return hashes


@lru_cache(maxsize=64)
def _policy_of(path: Path, mtime_ns: int, size: int) -> str:
    """The policy of one version of a page (keyed by its time and size: a rebuild is seen)."""
    return page_policy(inline_script_hashes(path.read_text(encoding="utf-8")))


def build_dir() -> Path:
    """Where the built app is (``web/build``)."""
    return get_settings().web_dir / "build"


def _page(path: Path) -> Response:
    stat = path.stat()
    return FileResponse(
        path,
        media_type="text/html; charset=utf-8",
        headers={
            "cache-control": NO_CACHE,
            "content-security-policy": _policy_of(path, stat.st_mtime_ns, stat.st_size),
        },
    )


def _not_built(build: Path) -> Response:
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Saras: the web app is not built</title></head>
<body>
<h1>The web app is not built</h1>
<p>There is no build at <code>{html.escape(str(build))}</code>. Build it with
<code>saras web build</code> (needs Node.js 20 or later and npm), then reload this page.</p>
<p>The API works without it: see <a href="/docs">/docs</a>.</p>
</body></html>
"""
    return HTMLResponse(body, status_code=503, headers={"cache-control": NO_CACHE})


def _file_in(build: Path, path: str) -> Path | None:
    """The build's file at `path`, or None; never anything outside the build."""
    if not path or "\x00" in path:
        return None
    candidate = (build / path).resolve()
    root = build.resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate


@router.get("/")
def root() -> RedirectResponse:
    """The app."""
    return RedirectResponse(f"{PREFIX}/", status_code=307)


@router.get(PREFIX)
def app_without_slash() -> RedirectResponse:
    """The app, at its canonical address."""
    return RedirectResponse(f"{PREFIX}/", status_code=307)


@router.get(PREFIX + "/{path:path}")
def app_page(path: str) -> Response:
    """A file of the build, a prerendered page, or the app's shell for a client-side route."""
    build = build_dir()
    index = build / "index.html"
    if not index.is_file():
        return _not_built(build)
    found = _file_in(build, path)
    if found is None and path:
        found = _file_in(build, f"{path.rstrip('/')}.html") or _file_in(
            build, f"{path.rstrip('/')}/index.html"
        )
    if found is None or found.suffix == ".html":
        return _page(found or index)
    cache = IMMUTABLE if path.startswith("_app/immutable/") else NO_CACHE
    return FileResponse(found, headers={"cache-control": cache})
