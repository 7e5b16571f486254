"""``saras serve``: the bridge's API (and, with it, everything the web needs)."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Annotated, NoReturn

import typer

from saras.cli.console import start_logging


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Migrate, then serve the bridge API with uvicorn until stopped."""
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415

    start_logging()
    upgrade()
    serve(host, port)


def serve(host: str, port: int) -> None:
    """Serve the app on the configured database until stopped (requests are logged by the
    app, with their request ids, through the configured logging)."""
    import uvicorn  # noqa: PLC0415

    from bridge_api.http.app import create_app  # noqa: PLC0415

    # uvicorn shuts down gracefully on SIGTERM and then raises the signal again; with the
    # default action the process would die without its exit handlers, leaving an embedded
    # PostgreSQL running. Exiting through SystemExit runs them.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    uvicorn.run(
        create_app(),
        host=host,
        port=port,
        access_log=False,
        log_config=None,
        server_header=False,
        timeout_graceful_shutdown=5,  # live batch streams never end on their own
    )


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> NoReturn:
    raise SystemExit(128 + signum)
