"""``saras web``: build the web app the bridge serves under ``/app/``, and write the bridge's
OpenAPI document the app's typed client is generated from (docs/web.md)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from saras.cli.console import command_group
from saras.cli.failures import DIFFERENCES, fail

app = command_group(help="The web app: build it, and write the API's OpenAPI document.")

MINIMUM_NODE = 20
NOT_SOURCES = frozenset(
    {"node_modules", "build", "test-results", "playwright-report", "screenshots", "coverage"}
)
"""Folders under ``web/`` that are outputs, not sources (hidden folders are skipped too)."""
OPENAPI = Path("web/src/lib/api/openapi.json")


class Built(Enum):
    """What `build` did."""

    BUILT = "built"
    FRESH = "fresh"
    NO_NODE = "no-node"
    NO_APP = "no-app"


def web_dir() -> Path:
    """The app's sources (``SARAS_WEB_DIR``, by default ``web/`` of the repository)."""
    from bridge_api.config import get_settings  # noqa: PLC0415

    return get_settings().web_dir


def sources(web: Path) -> Iterator[Path]:
    """Every source file of the app: all of ``web/`` but its outputs and hidden folders."""
    for folder, subfolders, files in os.walk(web):
        subfolders[:] = [d for d in subfolders if d not in NOT_SOURCES and not d.startswith(".")]
        for name in files:
            yield Path(folder, name)


def is_fresh(web: Path) -> bool:
    """Whether ``build/index.html`` is newer than every source file."""
    index = web / "build" / "index.html"
    if not index.is_file():
        return False
    built = index.stat().st_mtime_ns
    return all(path.stat().st_mtime_ns < built for path in sources(web))


def node_major(node: str) -> int | None:
    """The major version of the Node.js at `node`, or None when it does not answer."""
    try:
        shown = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.match(r"v?(\d+)\.", shown.strip())
    return int(found.group(1)) if found else None


def build(web: Path, say: Callable[[str], None], *, force: bool = False) -> Built:
    """Install the app's packages when needed and build it, unless the build is newer than
    every source. Without Node.js 20 or later (or npm), say so in one line and build nothing.
    A failing npm raises `subprocess.CalledProcessError`."""
    if not (web / "package.json").is_file():
        say(f"No web app at {web} (no package.json): only the API is served.")
        return Built.NO_APP
    if not force and is_fresh(web):
        say("The web app's build is newer than its sources: nothing to build.")
        return Built.FRESH
    node, npm = shutil.which("node"), shutil.which("npm")
    major = node_major(node) if node else None
    if npm is None or major is None or major < MINIMUM_NODE:
        found = "no Node.js" if major is None else f"Node.js {major}"
        say(
            f"Web app not built ({found} on PATH, npm {'found' if npm else 'missing'}): the API "
            f"and /docs still work; install Node.js {MINIMUM_NODE} or later to get the app."
        )
        return Built.NO_NODE
    quiet = ["--no-audit", "--no-fund"]
    if _needs_install(web):
        locked = (web / "package-lock.json").is_file()
        say("Installing the web app's packages (npm ci)..." if locked else "npm install...")
        subprocess.run([npm, "ci" if locked else "install", *quiet], cwd=web, check=True)
    say("Building the web app (npm run build)...")
    subprocess.run([npm, "run", "build", "--silent"], cwd=web, check=True)
    if not (web / "build" / "index.html").is_file():
        raise subprocess.CalledProcessError(0, "npm run build", "it wrote no build/index.html")
    say(f"Built the web app into {web / 'build'}.")
    return Built.BUILT


def _needs_install(web: Path) -> bool:
    installed = web / "node_modules" / ".package-lock.json"
    if not installed.is_file():
        return True
    stamp = installed.stat().st_mtime_ns
    manifests = [web / "package.json", web / "package-lock.json"]
    return any(m.is_file() and m.stat().st_mtime_ns > stamp for m in manifests)


@app.command("build")
def build_command(
    force: Annotated[bool, typer.Option(help="Build even when the build looks fresh.")] = False,
) -> None:
    """Build the web app (npm ci, npm run build in web/) when its sources changed; exits 0
    with a note when Node.js 20+ is missing, as the API works without the app."""
    web = web_dir()
    try:
        build(web, typer.echo, force=force)
    except subprocess.CalledProcessError as error:
        fail("web build", f"{shown(error)} failed (exit {error.returncode}) in {web}")


def shown(error: subprocess.CalledProcessError) -> str:
    """The failed command as a person would type it (``npm ci``)."""
    if isinstance(error.cmd, list):
        return " ".join([Path(error.cmd[0]).name, *map(str, error.cmd[1:])])
    return str(error.cmd)


def openapi_text() -> str:
    """The bridge's OpenAPI document, byte for byte the same for the same code: keys sorted,
    two-space indent, a trailing newline."""
    from bridge_api.http.app import create_app  # noqa: PLC0415

    return json.dumps(create_app().openapi(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


@app.command("openapi")
def openapi_command(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = OPENAPI,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 when the file is stale.")
    ] = False,
) -> None:
    """Write the bridge's OpenAPI JSON (sorted keys), from which the app's client is made."""
    text = openapi_text()
    if check:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            fail(
                "web openapi",
                f"{path} is stale: it differs from the bridge's API",
                DIFFERENCES,
                hint="run `saras web openapi`, then regenerate the app's client",
            )
        typer.echo(f"{path} matches the bridge's API.")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_text(text, encoding="utf-8")
    draft.replace(path)
    typer.echo(f"Wrote the OpenAPI document to {path}.")
