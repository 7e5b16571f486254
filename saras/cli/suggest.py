"""``saras suggest``: proposals from the factor screens and the model (for a smallcase, kept
for its manager to accept, or for the whole universe), and the walk-forward evaluation."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from saras.cli.console import command_group
from saras.cli.failures import fail, failures, parse_day

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bridge_api.db.models import Smallcase

app = command_group(help="Suggestions for managers: propose a composition, evaluate the method.")
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


@app.command("propose")
def propose_command(
    smallcase: Annotated[
        str | None,
        typer.Option(help="A smallcase's id or name: propose a change to its current version."),
    ] = None,
    size: Annotated[
        int | None,
        typer.Option(help="Constituents (default: the smallcase's count, or 10).", min=1, max=50),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Use bars up to this day (YYYY-MM-DD).")
    ] = None,
    backtest: Annotated[
        bool, typer.Option(help="Backtest the proposal through the engine (`saras backtest`).")
    ] = False,
    months: Annotated[int, typer.Option(help="Months the backtest covers.", min=1, max=24)] = 6,
    as_json: Json = False,
) -> None:
    """Propose a composition with its reasons; for a smallcase, also its subscribers' turnover
    and charges, kept as a suggestion its manager may accept (nothing is traded)."""
    command = "suggest propose"
    day = parse_day(command, "--as-of", as_of) if as_of else None
    if smallcase is not None and day is not None:
        fail(command, "--as-of: a smallcase's suggestion uses the latest bars")
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.models import User  # noqa: PLC0415
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415
    from bridge_api.suggestions import backtesting, service  # noqa: PLC0415
    from bridge_api.suggestions.propose import propose  # noqa: PLC0415

    with failures(command):
        upgrade()
        with unit_of_work() as session:
            if smallcase is None:
                proposal = propose(session, size=size, as_of=day)
                result: dict[str, Any] = proposal.as_dict()
                if backtest:
                    request = backtesting.BacktestRequest(end=proposal.as_of, months=months)
                    result["backtest"] = {
                        **backtesting.backtest("Suggested composition", proposal.weights, request),
                        "in_sample": service.IN_SAMPLE,
                    }
            else:
                found = _smallcase(session, command, smallcase)
                manager = session.get(User, found.manager_id)
                assert manager is not None
                wanted = (
                    backtesting.BacktestRequest(end=service.latest_bar_day(session), months=months)
                    if backtest
                    else None
                )
                suggestion = service.suggest(
                    session, manager, found.id, size=size, backtest_request=wanted
                )
                result = {
                    "id": suggestion.id,
                    "smallcase": found.name,
                    "smallcase_id": found.id,
                    **suggestion.body,
                }
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    _print_proposal(result)


@app.command("evaluate")
def evaluate_command(
    size: Annotated[int, typer.Option(help="Constituents chosen each time.", min=1, max=50)] = 10,
    as_json: Json = False,
) -> None:
    """Walk forward over the stored bars: train before each rebalance day, hold the choice to
    the next, and compare with equal weight over the same universe (out of sample)."""
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.session import unit_of_work  # noqa: PLC0415
    from bridge_api.suggestions.evaluate import as_dict, evaluate  # noqa: PLC0415

    with failures("suggest evaluate"):
        upgrade()
        with unit_of_work() as session:
            found = evaluate(session, size=size)
    if not found.periods:
        fail("suggest evaluate", "the stored bars are too short for one out-of-sample period")
    if as_json:
        typer.echo(json.dumps(as_dict(found), indent=2))
        return
    typer.echo(found.caveat)
    typer.echo(f"Walk-forward {found.first_day} to {found.last_day}: " + " ".join(found.notes))
    typer.echo(
        f"{'strategy':<20}{'total':>9}{'CAGR':>9}{'vol':>9}{'max DD':>9}{'hit rate':>10}"
        f"{'turnover':>10}"
    )
    for s in found.statistics:
        hit = "-" if s.hit_rate is None else f"{s.hit_rate:.0%}"
        typer.echo(
            f"{s.name:<20}{s.total_return:>9.2%}{s.cagr:>9.2%}{s.volatility:>9.2%}"
            f"{s.max_drawdown:>9.2%}{hit:>10}{s.mean_turnover:>10.0%}"
        )
    typer.echo("Hit rate: periods beating equal weight. Turnover: one-way, mean per rebalance.")


def _smallcase(session: Session, command: str, given: str) -> Smallcase:
    from sqlalchemy import func, select  # noqa: PLC0415

    from bridge_api.db.models import Smallcase  # noqa: PLC0415

    query = select(Smallcase).where(func.lower(Smallcase.name) == given.strip().lower())
    if given.strip().isdigit():
        query = select(Smallcase).where(Smallcase.id == int(given))
    found = session.execute(query).scalar_one_or_none()
    if found is None:
        fail(command, f"--smallcase: no smallcase {given!r}")
    return found


def _print_proposal(result: dict[str, Any]) -> None:
    typer.echo(result["caveat"])
    head = f"Suggestion {result['id']} for {result['smallcase']}" if "id" in result else "Proposal"
    typer.echo(f"{head}, as of {result['as_of']}: {' '.join(result['notes'])}")
    typer.echo(f"Model: {result['model']}")
    for line in result["lines"]:
        was = f" (was {line['old_weight']}%)" if line["old_weight"] else ""
        weight = f"{line['weight']}%" if line["weight"] else "-"
        typer.echo(f"  {line['action']:<7}{line['symbol']:<12}{weight:>10}{was}")
        for reason in line["reasons"]:
            typer.echo(f"           {reason}")
    effect = result.get("impact")
    if effect:
        typer.echo(
            f"Subscribers: {effect['subscribers']}, value Rs {effect['value']}, would trade "
            f"Rs {effect['traded']} (turnover {effect['turnover_percent']}%), charges "
            f"Rs {effect['charges']}"
        )
    tested = result.get("backtest")
    if tested and "unavailable" in tested:
        typer.echo(f"Backtest: {tested['unavailable']}")
    elif tested:
        typer.echo(
            f"Backtest {tested['start']} to {tested['end']}: total return "
            f"{tested['total_return']:.2%} (equal-weight buy-and-hold "
            f"{tested['benchmark_total_return']:.2%}), max drawdown {tested['max_drawdown']:.2%}, "
            f"charges Rs {tested['charges']:,.2f}. {tested['in_sample']}"
        )
    if "id" in result:
        typer.echo(
            "Its manager may accept it on the smallcase's page, or with POST "
            f"/smallcase/{result['smallcase_id']}/suggestions/{result['id']}/accept"
        )
