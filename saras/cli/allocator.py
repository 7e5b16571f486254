"""``saras allocator``: the allocator's JSON contract (docs/allocator-cli.md), JSON in and out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from saras.cli.console import command_group
from saras.cli.failures import fail

app = command_group(
    help="The allocator's JSON contract (docs/allocator-cli.md): JSON in, JSON out.",
)

InputOption = Annotated[
    Path | None,
    typer.Option("--input", "-i", help="Read the JSON input from FILE instead of stdin."),
]
PrettyOption = Annotated[bool, typer.Option("--pretty", help="Indent the JSON output.")]


def _execute(command: str, source: Path | None, pretty: bool) -> None:
    name = f"allocator {command}"
    if source is not None:
        try:
            raw = source.read_bytes()
        except OSError as error:
            fail(name, f"--input: cannot read {str(source)!r}: {error}")
    elif sys.stdin.isatty():
        fail(name, "input: no JSON given; pipe it on stdin or pass --input FILE")
    else:
        raw = sys.stdin.buffer.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        fail(name, f"input: not UTF-8 ({error.reason} at byte {error.start})")
    from allocator.errors import AllocatorError  # noqa: PLC0415  (keeps --help light)
    from saras.allocator_json.commands import run  # noqa: PLC0415

    try:
        output = run(command, text, pretty=pretty)
    except AllocatorError as error:
        fail(name, str(error))
    typer.echo(output)


@app.command("size")
def size_command(source: InputOption = None, pretty: PrettyOption = False) -> None:
    """Whole-share quantities for investing an amount in a smallcase."""
    _execute("size", source, pretty)


@app.command("plan")
def plan_command(source: InputOption = None, pretty: PrettyOption = False) -> None:
    """Consolidate accounts' targets into sliced, scheduled orders with their statements."""
    _execute("plan", source, pretty)


@app.command("allocate")
def allocate_command(source: InputOption = None, pretty: PrettyOption = False) -> None:
    """Split a final order's fills, value and charges across its statement."""
    _execute("allocate", source, pretty)


@app.command("charges")
def charges_command(source: InputOption = None, pretty: PrettyOption = False) -> None:
    """NSE delivery charges for one account's trades on one day."""
    _execute("charges", source, pretty)


@app.command("schema")
def schema_command(
    command: Annotated[str, typer.Argument(help="size, plan, allocate or charges")],
    output: Annotated[
        bool, typer.Option("--output", help="The output schema, not the input's.")
    ] = False,
) -> None:
    """Print the JSON Schema of a command's input (or output)."""
    from saras.allocator_json.schemas import SCHEMAS  # noqa: PLC0415

    if command not in SCHEMAS:
        fail("allocator schema", f"command: expected one of {sorted(SCHEMAS)}, was {command!r}")
    typer.echo(json.dumps(SCHEMAS[command][1 if output else 0], indent=2))


@app.command("demo")
def demo_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON documents.")] = False,
) -> None:
    """Plan the bundled example batch, fill it, and allocate every order."""
    from saras.allocator_json.demo import run_demo  # noqa: PLC0415

    run_demo(as_json=as_json)
