"""``saras lean config``: Lean's live Zerodha settings from today's Kite session."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from saras.cli.console import command_group, in_ist
from saras.cli.failures import fail, failures

SECRET_KEYS = ("zerodha-api-key", "zerodha-access-token")

app = command_group(help="Lean CLI configuration.")


@app.command("config")
def lean_config_command(
    live: Annotated[bool, typer.Option("--live", help="The live Zerodha configuration.")] = False,
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write it (outside the repository; default: the data dir)."),
    ] = None,
) -> None:
    """Write Lean's live Zerodha settings from today's Kite session, outside git (mode 600)."""
    from bridge_api.brokers.kite import sessions  # noqa: PLC0415
    from bridge_api.config import REPOSITORY, get_settings  # noqa: PLC0415
    from bridge_api.db.session import database_url, unit_of_work  # noqa: PLC0415

    if not live:
        fail("lean config", "only --live is written by this command (backtests need no secrets)")
    settings = get_settings()
    target = (out or settings.data_dir / "lean" / "live-zerodha.json").expanduser().resolve()
    if target.is_relative_to(REPOSITORY):
        fail("lean config", f"{target} is inside the repository: the token must not reach git")
    with failures("lean config"), unit_of_work() as session:
        active = sessions.current(session)
        if active is None:
            raise sessions.NoKiteSession("no valid Kite session: log in with `saras kite login`")
    config = live_config(
        json.loads((REPOSITORY / "lean_config" / "live-zerodha.json").read_text()),
        api_key=active.api_key,
        access_token=active.access_token,
        database_url=database_url(),
        real_money=settings.real_money,
    )
    write_private(target, json.dumps(config, indent=2) + "\n")
    typer.echo(f"Wrote {target} (valid until {in_ist(active.expires_at)}). Deploy with:")
    key, token = (f'"$(jq -r \'."{name}"\' {target})"' for name in SECRET_KEYS)
    typer.echo(
        "  lean live deploy algorithms/saras_master --brokerage Zerodha "
        f"--data-provider-live Zerodha --zerodha-api-key {key} --zerodha-access-token {token} "
        "--zerodha-product-type cnc --zerodha-trading-segment equity "
        "--zerodha-history-subscription false --extra-docker-config '...'"
    )
    typer.echo("  (the --extra-docker-config volume and PGPASSWORD are in docs/lean.md)")


def live_config(
    template: dict[str, Any],
    *,
    api_key: str,
    access_token: str,
    database_url: str,
    real_money: bool,
) -> dict[str, Any]:
    """The live template with today's key and token, the database (no password) and the
    real-money switch filled in."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    filled: dict[str, Any] = json.loads(json.dumps(template))
    filled["zerodha-api-key"] = api_key
    filled["zerodha-access-token"] = access_token
    filled["zerodha-trading-segment"] = "equity"
    filled["zerodha-product-type"] = "cnc"
    filled["parameters"]["database-url"] = (
        make_url(database_url).set(password=None).render_as_string(hide_password=False)
    )
    filled["parameters"]["real-money"] = "true" if real_money else "false"
    return filled


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(draft, path)
