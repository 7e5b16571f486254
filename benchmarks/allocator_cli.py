"""``saras allocator plan`` on a large batch, against parse + numpy net + dump of the same data.

    python -m benchmarks.allocator_cli [--accounts 50000] [--symbols 20] [--repeats 3]

The document is the `benchmarks.books` rebalance (every account holds and targets every symbol,
a third carry cash, crossing on) written as the contract's JSON. Measured, best of N runs taken
in turn, in one process:

- `run("plan", text)`: the command's whole work from JSON text to JSON text (parse, validate,
  decode, plan, encode, dump), what ``saras allocator plan`` does between reading stdin and
  writing stdout;
- the bound: ``json.loads`` of the same text, the per-row net ``target - holding`` in numpy
  over the parsed values, and ``json.dumps`` of the command's own output document.

Goal (issue #15): within 3x of the bound. These are measurements, not tests.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from benchmarks.books import rebalance_request
from benchmarks.run import interleaved_cpu
from saras.allocator_json.commands import run


def _rupees(paise: int) -> str:
    return f"{paise // 100}.{paise % 100:02d}"


def plan_document(accounts: int, symbols: int) -> dict[str, Any]:
    """The contract's ``plan`` input for `rebalance_request(accounts, symbols)`."""
    request = rebalance_request(accounts, symbols)
    book = request.book
    holding = book.holding.reshape(accounts, symbols).tolist()
    target = book.target.reshape(accounts, symbols).tolist()
    names = book.accounts.tolist()
    cash = book.cash.tolist()
    rows = []
    for index, name in enumerate(names):
        entry: dict[str, Any] = {
            "account": name,
            "holdings": dict(zip(book.symbols, holding[index], strict=True)),
            "targets": dict(zip(book.symbols, target[index], strict=True)),
        }
        if cash[index] >= 0:
            entry["cash"] = _rupees(cash[index])
        rows.append(entry)
    return {
        "batch": request.batch,
        "prices": {s: _rupees(p) for s, p in zip(book.symbols, book.price.tolist(), strict=True)},
        "tick_size": {s: _rupees(t) for s, t in zip(book.symbols, book.tick.tolist(), strict=True)},
        "accounts": rows,
        "limits": {
            "max_quantity": {"default": request.limits.max_quantity},
            "orders_per_day": request.limits.orders_per_day,
        },
        "min_trade_value": str(request.min_trade_value),
        "cross": request.cross,
    }


def bound(text: str, output: dict[str, Any]) -> int:
    """Parse, net every row in numpy, dump `output`; returns a checksum so nothing is skipped."""
    document = json.loads(text)
    holdings = [v for a in document["accounts"] for v in a["holdings"].values()]
    targets = [v for a in document["accounts"] for v in a["targets"].values()]
    net = np.array(targets, dtype=np.int64) - np.array(holdings, dtype=np.int64)
    return int(net.sum()) + len(json.dumps(output, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    text = json.dumps(plan_document(args.accounts, args.symbols))
    output = run("plan", text)
    document = json.loads(output)
    print(
        f"allocator plan: {args.accounts:,} accounts x {args.symbols} symbols, "
        f"{len(text) / 1e6:.1f} MB in, {len(output) / 1e6:.1f} MB out, "
        f"{len(document['orders'])} orders, {len(document['crossings']):,} crossings, "
        f"{len(document['skipped']):,} skipped"
    )
    times, cpu = interleaved_cpu(
        args.repeats, {"bound": lambda: bound(text, document), "plan": lambda: run("plan", text)}
    )
    floor, seconds = times["bound"], times["plan"]
    ratio = seconds / floor
    verdict = "meets" if ratio <= 3 else "misses"
    print(
        f"{'run(plan, text)':<50} {seconds:8.3f} s  bound {floor:7.3f} s  "
        f"ratio {ratio:5.2f}x  ({verdict} the 3x goal)"
    )
    print(f"{'':<50} CPU time ratio {cpu['plan'] / cpu['bound']:5.2f}x")


if __name__ == "__main__":
    main()
