"""The backtest report: ``backtests/<timestamp>/report.html`` (self-contained, Plotly) and
``summary.json``."""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bridge_api.backtest.metrics import drawdown, summarise
from bridge_api.backtest.run import BacktestRun

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px}"
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
    summary = summarise(run)
    payload = {
        "name": run.name,
        "source": run.source,
        "benchmark": run.benchmark_name,
        "summary": summary.as_dict(),
        "notes": run.notes,
    }
    (folder / "summary.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    (folder / "report.html").write_text(_page(run, summary.as_dict()), encoding="utf-8")
    return folder


def _page(run: BacktestRun, summary: dict[str, object]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(_LABELS.get(key, key))}</th><td>{_format(key, value)}</td></tr>"
        for key, value in summary.items()
    )
    figures = [_equity_figure(run), _rebalance_figure(run)]
    charts = "".join(
        figure.to_html(full_html=False, include_plotlyjs=index == 0)
        for index, figure in enumerate(figures)
    )
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in run.notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(run.name)}: backtest</title>
<style>{_STYLE}</style></head>
<body><h1>{html.escape(run.name)}</h1>
<p>Source: {html.escape(run.source)}. Benchmark: {html.escape(run.benchmark_name or "none")}.
Synthetic sample data unless stated otherwise: not real market prices.</p>
<table>{rows}</table>{charts}<ul>{notes}</ul></body></html>
"""


def _format(key: str, value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and key in {
        "total_return",
        "cagr",
        "annual_volatility",
        "max_drawdown",
        "benchmark_total_return",
        "mean_fill_ratio",
    }:
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
    figure.update_yaxes(tickformat=".0%", row=2, col=1)
    figure.update_layout(height=600, margin={"t": 40})
    return figure


def _rebalance_figure(run: BacktestRun) -> go.Figure:
    days = [r.day for r in run.rebalances]
    figure = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=(
            "Turnover per rebalance (₹)",
            "Charges per rebalance (₹)",
            "Orders per rebalance",
            "Fill ratio",
        ),
    )
    figure.add_trace(
        go.Bar(x=days, y=[float(r.traded_value) for r in run.rebalances], name="traded"),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(x=days, y=[float(r.charges) for r in run.rebalances], name="charges"), row=1, col=2
    )
    figure.add_trace(
        go.Bar(x=days, y=[r.orders for r in run.rebalances], name="orders"), row=2, col=1
    )
    figure.add_trace(
        go.Scatter(
            x=days,
            y=[r.fill_ratio for r in run.rebalances],
            name="fill ratio",
            mode="lines+markers",
        ),
        row=2,
        col=2,
    )
    figure.update_yaxes(tickformat=".0%", row=2, col=2)
    figure.update_layout(height=600, showlegend=False, margin={"t": 40})
    return figure
