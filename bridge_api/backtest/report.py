"""The backtest report: ``backtests/<timestamp>/report.html`` (self-contained, Plotly) and
``summary.json``."""

from __future__ import annotations

import html
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bridge_api.backtest.metrics import (
    drawdown,
    drawdown_periods,
    monthly_returns,
    rolling_volatility,
    summarise,
)
from bridge_api.backtest.run import BacktestRun

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem}"
    "h2{margin-top:2rem}"
    "table{border-collapse:collapse}"
    "th,td{padding:.25rem .75rem;border-bottom:1px solid #ddd;text-align:left}"
    "td{font-variant-numeric:tabular-nums}"
)
_PERCENT = {
    "total_return",
    "cagr",
    "annual_volatility",
    "max_drawdown",
    "benchmark_total_return",
    "mean_fill_ratio",
    "risk_free_rate",
    "depth",
    "fill_ratio",
    "worst",
    "median",
    "best",
    "turnover",
    "idle share",
}
_LABELS = {
    "start": "Start",
    "end": "End",
    "initial": "Initial value (₹)",
    "final": "Final value (₹)",
    "total_return": "Total return",
    "cagr": "CAGR",
    "annual_volatility": "Annual volatility",
    "max_drawdown": "Max drawdown",
    "sharpe": "Sharpe ratio",
    "sortino": "Sortino ratio",
    "calmar": "Calmar ratio (CAGR / max drawdown)",
    "risk_free_rate": "Risk-free rate (for Sharpe and Sortino)",
    "benchmark_total_return": "Benchmark total return",
    "rebalances": "Rebalances",
    "orders": "Orders",
    "orders_per_rebalance": "Orders per rebalance",
    "mean_fill_ratio": "Mean fill ratio",
    "charges": "Charges paid (₹)",
    "turnover": "Turnover (traded / average value)",
}


def write_report(run: BacktestRun, directory: Path, *, stamp: datetime) -> Path:
    """Write ``<directory>/<stamp>/report.html`` and ``summary.json``; returns the folder."""
    folder = directory / stamp.strftime("%Y-%m-%d_%H-%M-%S")
    folder.mkdir(parents=True, exist_ok=True)
    payload = summary_payload(run)
    (folder / "summary.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    (folder / "report.html").write_text(report_page(run), encoding="utf-8")
    return folder


def summary_payload(run: BacktestRun) -> dict[str, object]:
    """What ``summary.json`` holds: the figures, the exact rupees (first and last value, the
    charges), the amounts, the drawdowns, each rebalance's row and the weights after it."""
    amounts = sorted(run.amounts)
    return {
        "name": run.name,
        "source": run.source,
        "synthetic_data": run.synthetic,
        "benchmark": run.benchmark_name,
        "amounts": None
        if not amounts
        else {
            "subscribers": len(amounts),
            "smallest": str(amounts[0]),
            "largest": str(amounts[-1]),
            "total": str(sum(amounts, Decimal(0))),
        },
        "summary": summarise(run).as_dict(),
        "money": None
        if not run.equity
        else {
            "initial": str(run.equity[0]),
            "final": str(run.equity[-1]),
            "charges": str(sum((r.charges for r in run.rebalances), Decimal(0))),
        },
        "subscribers": run.subscribers,
        "drawdowns": drawdown_periods(run),
        "rebalances": [
            {k: v if isinstance(v, int | float | None) else str(v) for k, v in row.items()}
            for row in _rebalance_rows(run)
        ],
        "weights_after_rebalances": {
            day.isoformat(): weights
            for day, weights in zip(run.days, run.weights, strict=False)
            if any(r.day == day for r in run.rebalances)
        },
        "notes": run.notes,
    }


def report_page(run: BacktestRun) -> str:
    """``report.html``: one self-contained page (Plotly inline)."""
    return _page(run, summarise(run).as_dict())


def _page(run: BacktestRun, summary: dict[str, object]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(_LABELS.get(key, key))}</th><td>{_format(key, value)}</td></tr>"
        for key, value in summary.items()
    )
    figures = [_equity_figure(run), _monthly_figure(run), _rebalance_figure(run)]
    if run.weights:
        figures.append(_weights_figure(run))
    charts = "".join(
        figure.to_html(
            full_html=False,
            include_plotlyjs=index == 0,
            default_width="100%",
            config={"responsive": True},
        )
        for index, figure in enumerate(figures)
    )
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in run.notes)
    data = {
        True: "Synthetic sample data: not real market prices.",
        False: "Market data from the configured data folder (not the synthetic sample).",
        None: "The data's provenance is not recorded for this run.",
    }[run.synthetic]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(run.name)}: backtest</title>
<style>{_STYLE}</style></head>
<body><h1>{html.escape(run.name)}</h1>
<p>Source: {html.escape(run.source)}. Benchmark: {html.escape(run.benchmark_name or "none")}.
{html.escape(data)}</p>
<table>{rows}</table>
<h2>Worst drawdowns</h2>{_table(drawdown_periods(run))}
<h2>Subscribers against the model</h2>{_subscribers(run)}
{charts}
<h2>Rebalances</h2>{_table(_rebalance_rows(run))}
<ul>{notes}</ul></body></html>
"""


def _subscribers(run: BacktestRun) -> str:
    """Whole shares and different amounts make each subscriber drift from the model."""
    if not run.subscribers:
        return "<p>Not simulated for this run.</p>"
    spread = run.subscribers
    rows = [
        {"figure": name.replace("_", " "), **values}
        for name, values in spread.items()
        if isinstance(values, dict)
    ]
    drags = (
        f"<p>{spread['subscribers']} subscribers. Cash drag: on average "
        f"{_format('depth', spread.get('idle_cash_share'))} of their value was idle cash. "
        f"Charges drag: {_format('depth', spread.get('charges_share'))} of what was paid in.</p>"
    )
    return _table(rows) + drags


def _rebalance_rows(run: BacktestRun) -> list[dict[str, object]]:
    return [
        {
            "day": r.day.isoformat() + (" (first investment)" if i == 0 else ""),
            "orders": r.orders,
            "ordered": r.ordered_shares,
            "filled": r.filled_shares,
            "fill_ratio": r.fill_ratio,
            "traded (₹)": float(r.traded_value),
            "turnover": r.turnover,
            "charges (₹)": float(r.charges),
            "idle cash (₹)": None if r.idle_cash is None else float(r.idle_cash),
            "idle share": r.idle_share,
        }
        for i, r in enumerate(run.rebalances)
    ]


def _table(rows: list[dict[str, object]]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{html.escape(key)}</th>" for key in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{_format(k, v)}</td>" for k, v in row.items()) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _monthly_figure(run: BacktestRun) -> go.Figure:
    returns = monthly_returns(run)
    years = sorted({year for year, _ in returns})
    grid = [[returns.get((year, month)) for month in range(1, 13)] for year in years]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    figure = make_subplots(
        rows=2,
        cols=1,
        row_heights=[0.5, 0.5],
        subplot_titles=("Monthly returns", "Rolling volatility (63 sessions, annualised)"),
    )
    figure.add_trace(
        go.Heatmap(
            z=grid,
            x=months,
            y=[str(y) for y in years],
            colorscale="RdYlGn",
            zmid=0,
            texttemplate="%{z:.1%}",
            name="monthly return",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(x=run.days, y=rolling_volatility(run), name="rolling volatility"),
        row=2,
        col=1,
    )
    figure.update_xaxes(title_text="month", row=1, col=1)
    figure.update_yaxes(title_text="year", row=1, col=1)
    figure.update_xaxes(title_text="day", row=2, col=1)
    figure.update_yaxes(title_text="volatility", tickformat=".0%", row=2, col=1)
    figure.update_layout(height=700, margin={"t": 40}, autosize=True)
    return figure


def _format(key: str, value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and key in _PERCENT:
        return f"{value:.2%}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return html.escape(str(value))


def _equity_figure(run: BacktestRun) -> go.Figure:
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.7, 0.3],
        subplot_titles=("Equity", "Drawdown"),
    )
    figure.add_trace(
        go.Scatter(x=run.days, y=[float(v) for v in run.equity], name=run.name), row=1, col=1
    )
    if run.benchmark:
        figure.add_trace(
            go.Scatter(x=run.days, y=[float(v) for v in run.benchmark], name=run.benchmark_name),
            row=1,
            col=1,
        )
    figure.add_trace(
        go.Scatter(x=run.days, y=drawdown(run.equity), name="drawdown", fill="tozeroy"),
        row=2,
        col=1,
    )
    figure.update_yaxes(title_text="value (₹)", row=1, col=1)
    figure.update_yaxes(title_text="drawdown", tickformat=".0%", row=2, col=1)
    figure.update_xaxes(title_text="day", row=2, col=1)
    figure.update_layout(height=600, margin={"t": 40}, autosize=True)
    return figure


def _rebalance_figure(run: BacktestRun) -> go.Figure:
    """The rebalances after the first investment (which would flatten every bar)."""
    later = run.rebalances[1:]
    days = [r.day for r in later]
    figure = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=(
            "Traded per rebalance (₹, after the first investment)",
            "Charges per rebalance (₹)",
            "Orders per rebalance",
            "Fill ratio",
        ),
    )
    figure.add_trace(
        go.Bar(x=days, y=[float(r.traded_value) for r in later], name="traded"),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(x=days, y=[float(r.charges) for r in later], name="charges"), row=1, col=2
    )
    figure.add_trace(go.Bar(x=days, y=[r.orders for r in later], name="orders"), row=2, col=1)
    figure.add_trace(
        go.Scatter(
            x=days,
            y=[r.fill_ratio for r in later],
            name="fill ratio",
            mode="lines+markers",
        ),
        row=2,
        col=2,
    )
    figure.update_yaxes(tickformat=".0%", row=2, col=2)
    figure.update_xaxes(title_text="rebalance day")
    figure.update_layout(height=600, showlegend=False, margin={"t": 40}, autosize=True)
    return figure


def _weights_figure(run: BacktestRun) -> go.Figure:
    """Each symbol's weight in the book and the idle cash, day by day (stacked to 100%)."""
    names = sorted({name for weights in run.weights for name in weights} - {"cash"})
    figure = go.Figure()
    for name in [*names, "cash"]:
        figure.add_trace(
            go.Scatter(
                x=run.days,
                y=[weights.get(name, 0.0) for weights in run.weights],
                name=name,
                stackgroup="weights",
                mode="lines",
            )
        )
    for rebalance in run.rebalances:
        figure.add_vline(x=rebalance.day, line={"width": 1, "dash": "dot", "color": "#888"})
    figure.update_layout(
        title="Weights over time (dotted: rebalances)",
        height=450,
        margin={"t": 40},
        autosize=True,
        yaxis={"title": "weight of the book", "tickformat": ".0%", "range": [0, 1]},
        xaxis={"title": "day"},
    )
    return figure
