"""A proposal: a new composition from the universe, or a change to a smallcase's current
version, each line with its reasons (see `picking` for the rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bridge_api.config import get_settings
from bridge_api.market.loader import holds_synthetic_sample
from bridge_api.suggestions.factors import Panel, load_panel
from bridge_api.suggestions.model import HORIZON, fit
from bridge_api.suggestions.picking import Scored, choose, score, weights

DEFAULT_SIZE = 10
SYNTHETIC = (
    "SYNTHETIC DATA: these figures come from the repository's synthetic sample bars "
    "(data/README.md), not real prices; they illustrate the method and prove nothing."
)
STORED = "Figures from the stored bars; past returns do not predict future ones."


@dataclass(frozen=True, slots=True)
class Line:
    """One symbol of a proposal: what happens to it, its weights and why."""

    symbol: str
    action: str
    """``add``, ``keep`` or ``remove``."""
    weight: Decimal | None
    old_weight: Decimal | None
    place: int | None
    score: float | None
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed composition with its lines, the model it used and the data's caveat."""

    as_of: date
    universe: int
    size: int
    lines: list[Line]
    model: str
    synthetic: bool
    caveat: str
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (weights as decimal strings)."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "as_of": self.as_of.isoformat(),
            "universe": self.universe,
            "size": self.size,
            "model": self.model,
            "synthetic_data": self.synthetic,
            "caveat": self.caveat,
            "notes": self.notes,
            "lines": [
                {
                    "symbol": line.symbol,
                    "action": line.action,
                    "weight": text(line.weight),
                    "old_weight": text(line.old_weight),
                    "place": line.place,
                    "score": line.score,
                    "reasons": line.reasons,
                }
                for line in self.lines
            ],
        }

    @property
    def weights(self) -> dict[str, Decimal]:
        """The proposed weights in percent (summing exactly to 100), by symbol."""
        return {line.symbol: line.weight for line in self.lines if line.weight is not None}


def data_is_synthetic() -> bool:
    """Whether the configured market data is the repository's synthetic sample."""
    return holds_synthetic_sample(get_settings().market_data_dir)


def propose(
    session: Session,
    *,
    current: dict[str, Decimal] | None = None,
    size: int | None = None,
    as_of: date | None = None,
    panel: Panel | None = None,
) -> Proposal:
    """A composition from the stored bars as of `as_of` (the latest bar by default): a new
    one, or a change to `current` (weights in percent) keeping its size unless given."""
    panel = panel or load_panel(session, until=as_of)
    if not panel.days:
        raise ValueError("no bars are stored")
    at = panel.index(as_of) if as_of else len(panel.days) - 1
    wanted = size or (len(current) if current else DEFAULT_SIZE)
    if wanted < 1:
        raise ValueError(f"the size must be at least 1, was {wanted}")
    model = fit(panel, at)
    scored = score(panel, at, model)
    if not scored:
        raise ValueError(f"the bars up to {panel.days[at]} are too short for the factors")
    held = current or {}
    buffer = wanted // 2 if held else 0
    chosen = choose(scored, wanted, held, buffer)
    new_weights = weights(chosen)
    lines = _lines(scored, chosen, new_weights, held, size=wanted, buffer=buffer)
    synthetic = data_is_synthetic()
    notes = [
        f"{len(chosen)} of {len(scored)} symbols as of {panel.days[at]}; weights by inverse "
        "volatility"
        + (f"; a current constituent stays while it ranks within {wanted + buffer}" if held else "")
    ]
    if model is None:
        notes.append("too few bars to train the model: the factor score alone ranks")
    return Proposal(
        as_of=panel.days[at],
        universe=len(scored),
        size=wanted,
        lines=lines,
        model="none (too few bars)" if model is None else model.describe(),
        synthetic=synthetic,
        caveat=SYNTHETIC if synthetic else STORED,
        notes=notes,
    )


def _lines(
    scored: list[Scored],
    chosen: list[Scored],
    new_weights: dict[str, Decimal],
    held: dict[str, Decimal],
    *,
    size: int,
    buffer: int,
) -> list[Line]:
    by_symbol = {s.symbol: s for s in scored}
    picked = {s.symbol for s in chosen}
    universe = len(scored)
    lines = []
    for item in chosen:
        action = "keep" if item.symbol in held else "add"
        why = [_rank_reason(item, universe)]
        if action == "keep" and item.place > size:
            why.append(f"kept: ranks within the {size + buffer} the buffer allows")
        why += _figures(item, universe)
        why.append(
            f"weight {new_weights[item.symbol]}% by inverse volatility"
            + (f" (was {held[item.symbol]}%)" if item.symbol in held else "")
        )
        lines.append(
            Line(
                symbol=item.symbol,
                action=action,
                weight=new_weights[item.symbol],
                old_weight=held.get(item.symbol),
                place=item.place,
                score=round(item.score, 4),
                reasons=why,
            )
        )
    for symbol in sorted(set(held) - picked):
        found = by_symbol.get(symbol)
        if found is None:
            why = ["no factors: too few bars before the as-of day"]
        elif not found.eligible:
            why = ["screened out: median traded value in the universe's bottom fifth"]
            why += _figures(found, universe)
        else:
            why = [_rank_reason(found, universe), f"outside the {size + buffer} kept"]
            why += _figures(found, universe)
        lines.append(
            Line(
                symbol=symbol,
                action="remove",
                weight=None,
                old_weight=held[symbol],
                place=None if found is None else found.place,
                score=None if found is None else round(found.score, 4),
                reasons=why,
            )
        )
    return lines


def _rank_reason(item: Scored, universe: int) -> str:
    model = "" if item.model_rank is None else f", model {item.model_rank:.2f}"
    return (
        f"ranked {item.place} of {universe}: combined score {item.score:.2f} "
        f"(factors {item.factors.score:.2f}{model})"
    )


def _figures(item: Scored, universe: int) -> list[str]:
    reasons = item.factors.reasons(universe)
    if item.predicted is not None:
        reasons.append(
            f"model expects {item.predicted:+.2%} against the universe over the next "
            f"{HORIZON} sessions"
        )
    return reasons
