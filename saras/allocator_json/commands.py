"""The four JSON commands of ``saras allocator``: text in, text out, `InvalidInput` on bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allocator import allocate, delivery_charges, plan, size
from saras.allocator_json import codec


def _plan(document: Any) -> Any:
    return codec.encode_plan(plan(codec.decode_plan(document)))


def _allocate(document: Any) -> Any:
    return codec.encode_allocation(allocate(**codec.decode_allocate(document)))


def _size(document: Any) -> Any:
    return codec.encode_sizing(size(**codec.decode_size(document)))


def _charges(document: Any) -> Any:
    return codec.encode_charges(delivery_charges(*codec.decode_charges(document)))


COMMANDS: dict[str, Callable[[Any], Any]] = {
    "size": _size,
    "plan": _plan,
    "allocate": _allocate,
    "charges": _charges,
}


def run(command: str, text: str, *, pretty: bool = False) -> str:
    """Run one command on JSON `text` and return its JSON output.

    Raises
    ------
    allocator.AllocatorError
        For bad input of any kind, naming the field and the value.
    """
    document = codec.load_valid(command, text)
    if command == "plan" and not pretty:
        from saras.allocator_json.bulk_plan import plan_text  # noqa: PLC0415  (numpy, lazily)

        fast = plan_text(document)
        if fast is not None:
            return fast
    return codec.dumps(COMMANDS[command](document), pretty=pretty)
