"""Strict JSON for ``saras allocator``: parse, validate, decode to allocator values, encode.

Parsing never creates a float: a JSON number with a fraction or exponent becomes a `Decimal`,
which no schema accepts where a decimal *string* or an integer is expected, so such input is
refused. Duplicate object keys, ``NaN`` and ``Infinity`` are refused too.

Validation is two-tier: a compiled validator (``jsonschema_rs``, the same published schemas)
answers "valid?" for a whole document; only a document it does not pass (or one holding a JSON
number with a fraction, which it would take for an integer) goes through the pure-Python
``jsonschema`` validator, whose first error is the message. So the messages are exactly those
of the pure-Python validator, and valid input never pays for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from allocator import (
    Account,
    Fill,
    Limits,
    OrderAllocation,
    Participant,
    Plan,
    PlanRequest,
    Side,
    Sizing,
    Trade,
)
from allocator.charges import ChargeBreakdown
from allocator.errors import InvalidInput
from allocator.money import format_money
from saras.allocator_json.schemas import SCHEMAS, Schema

_VALIDATORS = {command: Draft202012Validator(schemas[0]) for command, schemas in SCHEMAS.items()}
_COMPILED = {
    command: jsonschema_rs.Draft202012Validator(schemas[0]) for command, schemas in SCHEMAS.items()
}
# Where a lone surrogate could come from: an escape of one, or one in the text itself.
_MAYBE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")


def load(text: str) -> Any:
    """Parse JSON text strictly (see the module doc)."""
    return _parse(text, Decimal)


def load_valid(command: str, text: str) -> Any:
    """Parse JSON text strictly and validate it against the input schema of `command`."""
    fractions: list[str] = []

    def fraction(literal: str) -> Decimal:
        fractions.append(literal)
        return Decimal(literal)

    document = _parse(text, fraction)
    if fractions or not _compiled_valid(command, document):
        validate(command, document)
    return document


def _compiled_valid(command: str, document: Any) -> bool:
    try:
        return bool(_COMPILED[command].is_valid(document))
    except Exception:  # anything it cannot take is left to the pure-Python validator
        return False


def _parse(text: str, parse_float: Any) -> Any:
    try:
        document = json.loads(
            text,
            parse_float=parse_float,
            parse_constant=_refuse_constant,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as error:
        raise InvalidInput(
            "input", f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except RecursionError:
        raise InvalidInput("input", "nested too deeply") from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise InvalidInput("input", f"not acceptable JSON: {error}") from None
    if _MAYBE_SURROGATE.search(text):
        _refuse_lone_surrogates(document)
    return document


def _refuse_lone_surrogates(document: Any) -> None:
    """Refuse strings that cannot be UTF-8 (a lone ``\\ud800`` escape), iteratively."""
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidInput("input", f"a string is not valid Unicode: {item!r}") from None


def validate(command: str, document: Any) -> None:
    """Check `document` against the input schema of `command`; raise on the first problem."""
    errors = sorted(_VALIDATORS[command].iter_errors(document), key=_error_order)
    if errors:
        _raise_schema_error(errors[0])


def dumps(document: Any, *, pretty: bool = False) -> str:
    """Serialise an encoded document: keys in the given order, no floats, stable bytes."""
    return json.dumps(document, indent=2 if pretty else None, ensure_ascii=False)


# -- decoding ---------------------------------------------------------------------------------


def decode_plan(document: Mapping[str, Any]) -> PlanRequest:
    """A validated ``plan`` document as a `PlanRequest`."""
    limits = document["limits"]
    max_quantity = dict(limits.get("max_quantity", {}))
    default_quantity = max_quantity.pop("default", 100_000)
    return PlanRequest(
        batch=document.get("batch", ""),
        prices=_decimals(document["prices"]),
        tick_size=_decimals(document.get("tick_size", {})),
        accounts=[
            Account(
                account=entry["account"],
                holdings=dict(entry.get("holdings", {})),
                targets=dict(entry.get("targets", {})),
                cash=Decimal(entry["cash"]) if "cash" in entry else None,
            )
            for entry in document["accounts"]
        ],
        limits=Limits(
            max_quantity=default_quantity,
            max_quantity_by_symbol=max_quantity,
            max_value=Decimal(limits.get("max_value", "100000000.00")),
            orders_per_second=limits.get("orders_per_second", 10),
            orders_per_minute=limits.get("orders_per_minute", 400),
            orders_per_day=limits.get("orders_per_day", 5_000),
            orders_used_today=limits.get("orders_used_today", 0),
        ),
        collar=Decimal(document.get("collar", "0.01")),
        buy_charges_rate=Decimal(document.get("buy_charges_rate", "0.00120")),
        min_trade_value=Decimal(document.get("min_trade_value", "0.00")),
        cross=document.get("cross", False),
    )


def decode_allocate(document: Mapping[str, Any]) -> dict[str, Any]:
    """A validated ``allocate`` document as keyword arguments of `allocator.allocate`."""
    charges = document.get("charges", "0.00")
    return {
        "order_id": document["order"]["id"],
        "participants": [
            Participant(account=p["account"], quantity=p["quantity"])
            for p in document["participants"]
        ],
        "fills": [_fill(index, f) for index, f in enumerate(document["fills"])],
        "charges": Decimal(charges) if isinstance(charges, str) else _decimals(charges),
    }


def decode_size(document: Mapping[str, Any]) -> dict[str, Any]:
    """A validated ``size`` document as keyword arguments of `allocator.size`."""
    return {
        "amount": Decimal(document["amount"]),
        "weights": _decimals(document["weights"]),
        "prices": _decimals(document["prices"]),
        "tick_size": _decimals(document.get("tick_size", {})),
        "collar": Decimal(document.get("collar", "0.01")),
        "buy_charges_rate": Decimal(document.get("buy_charges_rate", "0.00120")),
    }


def decode_charges(document: Mapping[str, Any]) -> tuple[date, list[Trade]]:
    """A validated ``charges`` document as a trade date and its trades."""
    try:
        day = date.fromisoformat(document["date"])
    except ValueError:
        raise InvalidInput("date", f"not a calendar date: {document['date']!r}") from None
    trades = [
        Trade(
            symbol=t["symbol"],
            side=Side(t["side"]),
            quantity=t["quantity"],
            price=Decimal(t["price"]),
        )
        for t in document["trades"]
    ]
    return day, trades


# -- encoding ---------------------------------------------------------------------------------


def encode_plan(plan: Plan) -> dict[str, Any]:
    """A `Plan` in the contract's JSON shape."""
    return {
        "crossings": [
            {
                "symbol": c.symbol,
                "account": c.account,
                "side": str(c.side),
                "quantity": c.quantity,
                "price": format_money(c.price),
            }
            for c in plan.crossings
        ],
        "orders": [
            {
                "id": o.id,
                "symbol": o.symbol,
                "side": str(o.side),
                "quantity": o.quantity,
                "limit_price": format_money(o.limit_price),
                "participants": [
                    {"account": p.account, "quantity": p.quantity} for p in o.participants
                ],
                "slices": [
                    {"quantity": s.quantity, "send_after_ms": s.send_after_ms} for s in o.slices
                ],
            }
            for o in plan.orders
        ],
        "skipped": [
            {
                "account": k.account,
                "symbol": k.symbol,
                "side": str(k.side),
                "quantity": k.quantity,
                "reason": k.reason,
            }
            for k in plan.skipped
        ],
    }


def encode_allocation(result: OrderAllocation) -> dict[str, Any]:
    """An `OrderAllocation` in the contract's JSON shape."""
    return {
        "filled": result.filled,
        "unfilled": result.unfilled,
        "value": format_money(result.value),
        "charges": _money(result.charges),
        "allocations": [
            {
                "account": a.account,
                "quantity": a.quantity,
                "unfilled": a.unfilled,
                "value": format_money(a.value),
                "average_price": str(a.average_price),
                "charges": _money(a.charges),
            }
            for a in result.allocations
        ],
    }


def encode_sizing(sizing: Sizing) -> dict[str, Any]:
    """A `Sizing` in the contract's JSON shape."""
    return {
        "quantities": dict(sorted(sizing.quantities.items())),
        "invested": format_money(sizing.invested),
        "cash_left": format_money(sizing.cash_left),
        "minimum_amount": format_money(sizing.minimum_amount),
        "weights": {s: str(w) for s, w in sorted(sizing.weights.items())},
    }


def encode_charges(breakdown: ChargeBreakdown) -> dict[str, Any]:
    """A `ChargeBreakdown` in the contract's JSON shape."""
    return {name: format_money(value) for name, value in breakdown.rupees().items()}


# -- helpers ----------------------------------------------------------------------------------


def _decimals(values: Mapping[str, str]) -> dict[str, Decimal]:
    return {key: Decimal(value) for key, value in values.items()}


def _money(charges: Decimal | Mapping[str, Decimal]) -> str | dict[str, str]:
    if isinstance(charges, Decimal):
        return format_money(charges)
    return {name: format_money(value) for name, value in charges.items()}


def _fill(index: int, entry: Mapping[str, Any]) -> Fill:
    try:
        time = datetime.fromisoformat(entry["time"])
    except ValueError:
        raise InvalidInput(
            f"fills[{index}].time", f"not an ISO 8601 time: {entry['time']!r}"
        ) from None
    return Fill(
        trade_id=entry["trade_id"],
        quantity=entry["quantity"],
        price=Decimal(entry["price"]),
        time=time,
    )


def _refuse_constant(name: str) -> NoReturn:
    raise InvalidInput("input", f"{name} is not a number JSON allows")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    unique = dict(pairs)
    if len(unique) == len(pairs):
        return unique
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidInput("input", f"key {key!r} appears twice in one object")
        result[key] = value
    return result


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "input"


def _error_order(error: ValidationError) -> tuple[int, str]:
    return (len(error.absolute_path), _path(error.absolute_path))


def _describe(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"the JSON number {value}"
    if isinstance(value, bool):
        return f"the boolean {json.dumps(value)}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, str):
        return f"the string {json.dumps(value, ensure_ascii=False)[:80]}"
    if value is None:
        return "null"
    return f"a JSON {'object' if isinstance(value, dict) else 'array'}"


def _raise_schema_error(error: ValidationError) -> NoReturn:
    path = list(error.absolute_path)
    schema: Schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    kind = error.validator
    if kind == "required":
        missing = next(name for name in error.validator_value if name not in instance)
        raise InvalidInput(_path([*path, missing]), "is required")
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = set(schema.get("properties", {}))
        unknown = sorted(set(instance) - allowed)
        raise InvalidInput(_path([*path, unknown[0]]), "is not a known key")
    if kind == "propertyNames":
        raise InvalidInput(_path(path), f"has a key that is not allowed: {error.message}")
    if kind in {"type", "pattern"} and "title" in schema:
        raise InvalidInput(_path(path), f"expected {schema['title']}, got {_describe(instance)}")
    if kind == "type":
        raise InvalidInput(
            _path(path), f"expected {error.validator_value}, got {_describe(instance)}"
        )
    if kind in {"minimum", "maximum"}:
        bound = "at least" if kind == "minimum" else "at most"
        raise InvalidInput(_path(path), f"must be {bound} {error.validator_value}, was {instance}")
    if kind == "enum":
        raise InvalidInput(
            _path(path), f"must be one of {error.validator_value}, was {_describe(instance)}"
        )
    if kind == "oneOf":
        raise InvalidInput(
            _path(path),
            f"expected a decimal string or named components, got {_describe(instance)}",
        )
    raise InvalidInput(_path(path), f"{error.message} ({_describe(instance)})")
