"""Printable documents for investors: the capital-gains report and the monthly statement as
HTML pages (self-contained, printable to PDF from a browser) and the statement as CSV.

Money is shown in Indian grouping (₹1,23,456.78) from the exact `Decimal`; nothing is
recomputed here: every figure comes from `gains` and `statements`.
"""

from __future__ import annotations

import csv
import html
import io
from decimal import Decimal
from typing import Any

from bridge_api.analytics.gains import GainLine, Total, financial_year, rule_on
from bridge_api.analytics.statements import Position, Statement
from bridge_api.calendar import ist_today
from bridge_api.db.models.ledger import CASH
from bridge_api.formats import rupees

_STYLE = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;"
    "color:#111}h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0}"
    "th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "p.note{color:#555;font-size:.9rem}@media print{body{margin:0}}"
)


def capital_gains_html(
    investor: str, start_year: int, lines: list[GainLine], totals: list[Total]
) -> str:
    """The financial year's capital gains, one row per lot consumed, and the totals."""
    first, last = financial_year(start_year)
    rule = rule_on(last)
    label = f"{start_year}-{(start_year + 1) % 100:02d}"
    rows = "".join(
        "<tr>"
        f"<td>{g.subscription_id}</td><td>{html.escape(g.symbol)}</td>"
        f"<td>{g.bought_on.isoformat()}</td><td>{g.sold_on.isoformat()}</td>"
        f'<td class="n">{g.quantity}</td><td class="n">{rupees(g.cost)}</td>'
        f'<td class="n">{rupees(g.proceeds)}</td><td class="n">{rupees(g.gain)}</td>'
        f"<td>{g.term}</td><td>{html.escape(g.section)}</td></tr>"
        for g in lines
    )
    total_rows = "".join(
        f"<tr><td>{html.escape(t.section)}</td>"
        f"<td>{'normal rules' if t.rate is None else f'{t.rate * 100:g}%'}</td>"
        f"<td>{t.rule_from.isoformat()}</td>"
        f'<td class="n">{rupees(t.gain)}</td></tr>'
        for t in totals
    )
    long_term = sum((t.gain for t in totals if t.section == "112A"), Decimal(0))
    above = max(long_term - rule.long_exemption, Decimal(0))
    return _page(
        f"Capital gains {label}",
        f"<p>{html.escape(investor)}. Financial year {first.isoformat()} to {last.isoformat()}."
        "</p>"
        + _table(
            [
                "Subscription",
                "Symbol",
                "Bought on",
                "Sold on",
                "Quantity",
                "Cost",
                "Proceeds",
                "Gain",
                "Term",
                "Section",
            ],
            rows,
            numeric={4, 5, 6, 7},
        )
        + "<h2>Totals by section and rate</h2>"
        + _table(["Section", "Rate", "Rates in force from", "Gain"], total_rows, numeric={3})
        + "<h2>Long-term gains and the exemption</h2>"
        + _table(
            ["Long-term gains under 112A", "Exemption for the year", "Above the exemption"],
            f'<tr><td class="n">{rupees(long_term)}</td>'
            f'<td class="n">{rupees(rule.long_exemption)}</td>'
            f'<td class="n">{rupees(above)}</td></tr>',
            numeric={0, 1, 2},
        )
        + '<p class="note">Lots are consumed first in, first out per subscription. Cost '
        "includes every charge but STT; proceeds are net of every charge but STT (s.48). "
        "Long term means held more than 12 months (s.2(42A)). The exemption is per person "
        "and year, across all their listed equity: gains outside Saras count too. "
        f"Rates: {html.escape(rule.source)}. This report is not tax advice.</p>",
    )


def statement_html(investor: str, statement: Statement) -> str:
    """The month's statement: each book's opening and closing position and every movement."""
    month = statement.first.strftime("%B %Y")
    movements = "".join(
        f"<tr><td>{line.day.isoformat()}</td><td>{line.entry_id}</td>"
        f"<td>{html.escape(line.cause)}</td><td>{html.escape(line.memo)}</td>"
        f"<td>{html.escape(line.book)}</td><td>{html.escape(line.asset)}</td>"
        f'<td class="n">{_amount(line.asset, line.amount)}</td></tr>'
        for line in statement.lines
    )
    return _page(
        f"Statement for {month}",
        f"<p>{html.escape(investor)}. {statement.first.isoformat()} to "
        f"{statement.last.isoformat()}; dates are effective dates (IST).</p>"
        f"<h2>Opening, {statement.first.isoformat()}</h2>{_positions(statement.opening)}"
        f"<h2>Closing, {statement.last.isoformat()}</h2>{_positions(statement.closing)}"
        "<h2>Movements</h2>"
        + _table(
            ["Day", "Entry", "Cause", "Memo", "Book", "Asset", "Amount"], movements, numeric={6}
        )
        + "<h2>The month in sum</h2>"
        + _table(
            ["Charges paid", "Gains realised"],
            f'<tr><td class="n">{rupees(statement.charges)}</td>'
            f'<td class="n">{rupees(statement.realised)}</td></tr>',
            numeric={0, 1},
        )
        + '<p class="note">Holdings are valued at the last close on or before each date. '
        "Realised gains are after every charge but STT (FIFO per subscription).</p>",
    )


def statement_csv(statement: Statement) -> str:
    """The month's movements, one row per posting to the investor's books."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["day", "entry", "cause", "memo", "book", "asset", "amount"])
    for line in statement.lines:
        amount = f"{line.amount:.2f}" if line.asset == CASH else f"{line.amount:f}"
        writer.writerow(
            [
                line.day.isoformat(),
                line.entry_id,
                line.cause,
                line.memo,
                line.book,
                line.asset,
                amount,
            ]
        )
    return buffer.getvalue()


def allocation_note_html(investor: str, body: dict[str, Any]) -> str:
    """One allocation note (what a contract note is to a direct client), as stored."""
    orders = body.get("orders", [])
    rows = "".join(
        f"<tr><td>{html.escape(str(o['order']))}</td><td>{html.escape(str(o['symbol']))}</td>"
        f"<td>{html.escape(str(o['side']))}</td>"
        f'<td class="n">{o["requested"]}</td><td class="n">{o["quantity"]}</td>'
        f'<td class="n">{_price(o.get("average_price"))}</td>'
        f'<td class="n">{rupees(Decimal(o["value"]))}</td>'
        f"<td>{html.escape(_components(o.get('charges') or {}))}</td>"
        f'<td class="n">{rupees(Decimal(o["charges_paid"]))}</td></tr>'
        for o in orders
    )
    return _page(
        f"Allocation note: batch {body.get('batch')}",
        f"<p>{html.escape(investor)}. Subscription {body.get('subscription_id')}; trade date "
        f"{html.escape(str(body.get('trade_date') or '-'))}; batch "
        f"{html.escape(str(body.get('state')))}.</p>"
        + _table(
            [
                "Order",
                "Symbol",
                "Side",
                "Asked",
                "Received",
                "Average price",
                "Value",
                "Charges by component",
                "Charges",
            ],
            rows,
            numeric={3, 4, 5, 6, 8},
        )
        + f"<p>Cash moved: <strong>{rupees(Decimal(body.get('cash_moved', '0')))}</strong> "
        "(sales in, purchases and charges out).</p>"
        + '<p class="note">Written once when the batch ended and never changed. Shares are '
        "bought and sold for many investors in one order and allocated exactly "
        "(docs/ledger.md).</p>",
    )


def _price(value: object) -> str:
    return "-" if value is None else f"₹{value}"


def _components(charges: dict[str, Any]) -> str:
    return ", ".join(f"{name} {rupees(Decimal(str(v)))}" for name, v in sorted(charges.items()))


def _amount(asset: str, amount: Decimal) -> str:
    return rupees(amount) if asset == CASH else f"{int(amount):+d} shares"


def _positions(books: dict[str, Position]) -> str:
    if not books:
        return "<p>No books yet.</p>"
    rows = "".join(
        f'<tr><td>{html.escape(name)}</td><td class="n">{rupees(p.cash)}</td>'
        f"<td>{html.escape(', '.join(f'{s} {q}' for s, q in p.shares.items()) or '-')}</td>"
        f'<td class="n">{rupees(p.value)}</td></tr>'
        for name, p in books.items()
    )
    return _table(["Book", "Cash", "Shares", "Value"], rows, numeric={1, 3})


def _table(head: list[str], rows: str, *, numeric: set[int]) -> str:
    cells = "".join(
        ('<th class="n">' if i in numeric else "<th>") + f"{html.escape(h)}</th>"
        for i, h in enumerate(head)
    )
    return f"<table><tr>{cells}</tr>{rows or '<tr><td>None.</td></tr>'}</table>"


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}"
        f'<p class="note">Generated by Saras on {ist_today().isoformat()} (IST).</p>'
        "</body></html>\n"
    )
