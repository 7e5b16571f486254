"""The Lean stand-in cannot drift from Lean: every name it defines, on every class, exists in
quantconnect-stubs with the same parameter names and the same enum values."""

from __future__ import annotations

import ast
import datetime
import importlib.util
from functools import cache
from pathlib import Path

import pytest

from tests.algorithms import lean_standin

STDLIB = {"date", "datetime", "time", "timedelta"}
UNCHECKED_DUNDERS = {"__init__", "__eq__", "__hash__", "__str__", "__repr__"}


def _stubs_root() -> Path:
    spec = importlib.util.find_spec("QuantConnect")
    assert spec is not None, "quantconnect-stubs is not installed"
    assert spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))).parent


@cache
def _stub_module(module: str) -> ast.Module | None:
    path = _stubs_root().joinpath(*module.split("."), "__init__.pyi")
    return ast.parse(path.read_text(encoding="utf-8")) if path.exists() else None


def _stub_class(dotted: str) -> ast.ClassDef | None:
    """The stub class at a dotted path (nested classes included), or None."""
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        tree = _stub_module(".".join(parts[:split]))
        if tree is None:
            continue
        body: list[ast.stmt] = tree.body
        found: ast.ClassDef | None = None
        for name in parts[split:]:
            found = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == name), None)
            if found is None:
                break
            body = found.body
        return found
    return None


def _stub_members(dotted: str) -> dict[str, list[ast.stmt]]:
    """A stub class's members by name (with every overload), own and inherited."""
    node = _stub_class(dotted)
    if node is None:
        return {}
    members: dict[str, list[ast.stmt]] = {}
    for base in node.bases:
        target = base.value if isinstance(base, ast.Subscript) else base
        name = ast.unparse(target)
        if "." not in name:
            name = f"{dotted.rsplit('.', 1)[0]}.{name}"
        for key, nodes in _stub_members(name).items():
            members.setdefault(key, []).extend(nodes)
    for statement in node.body:
        for key in _names(statement):
            members.setdefault(key, []).insert(0, statement)
    return members


def _names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, ast.FunctionDef | ast.ClassDef):
        return [statement.name]
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return [statement.target.id]
    if isinstance(statement, ast.Assign):
        return [t.id for t in statement.targets if isinstance(t, ast.Name)]
    return []


def _parameters(function: ast.FunctionDef) -> set[str]:
    arguments = function.args
    every = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
    return {a.arg for a in every} - {"self", "cls"}


def _constant(statement: ast.stmt) -> object:
    value = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign) else None
    if isinstance(value, ast.Constant) and value.value is not Ellipsis:
        return value.value
    return None


def _standin_tree() -> ast.Module:
    return ast.parse(Path(lean_standin.__file__).read_text(encoding="utf-8"))


def _standin_class(dotted: str) -> ast.ClassDef:
    body: list[ast.stmt] = _standin_tree().body
    node = None
    for name in dotted.split("."):
        node = next(n for n in body if isinstance(n, ast.ClassDef) and n.name == name)
        body = node.body
    assert node is not None
    return node


def _standin_members(dotted: str) -> dict[str, ast.stmt | None]:
    """What a stand-in class defines: methods, class attributes, nested classes, attributes
    set on ``self`` in its methods, and attributes set on the class at module level."""
    node = _standin_class(dotted)
    members: dict[str, ast.stmt | None] = {}
    for statement in node.body:
        for name in _names(statement):
            members[name] = statement
        if isinstance(statement, ast.FunctionDef):
            for inner in ast.walk(statement):
                if isinstance(inner, ast.Assign | ast.AnnAssign):
                    targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target]
                    for target in targets:
                        if (
                            isinstance(target, ast.Attribute)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == "self"
                        ):
                            members.setdefault(target.attr, None)
    if "." not in dotted:
        for statement in _standin_tree().body:
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == dotted
                    ):
                        members[target.attr] = statement
    return {
        name: statement
        for name, statement in members.items()
        if not name.startswith("_")
        or (name.startswith("__") and name.endswith("__") and name not in UNCHECKED_DUNDERS)
    }


def _classes() -> list[tuple[str, str]]:
    """(stand-in class, stub class) for every stand-in class, nested ones included."""
    pairs = []
    for name, stub in sorted(lean_standin.STUBS.items()):
        pairs.append((name, stub))
        for statement in _standin_class(name).body:
            if isinstance(statement, ast.ClassDef) and not statement.name.startswith("_"):
                pairs.append((f"{name}.{statement.name}", f"{stub}.{statement.name}"))
    return pairs


def test_every_exported_name_of_the_standin_is_a_lean_class_or_a_stdlib_name():
    exported = set(lean_standin.__all__)

    assert exported - STDLIB == set(lean_standin.STUBS)
    for name in exported & STDLIB:
        assert getattr(lean_standin, name) is getattr(datetime, name)


def test_every_standin_class_is_reachable_through_algorithm_imports():
    imports = _stub_module("AlgorithmImports")
    assert imports is not None
    starred = {
        node.module
        for node in imports.body
        if isinstance(node, ast.ImportFrom) and [a.name for a in node.names] == ["*"]
    }

    for name, stub in lean_standin.STUBS.items():
        assert stub.rsplit(".", 1)[0] in starred, f"{name}: {stub} not in AlgorithmImports"


@pytest.mark.parametrize(("standin", "stub"), _classes())
def test_a_standin_class_defines_only_what_its_stub_class_has(standin, stub):
    assert _stub_class(stub) is not None, f"no stub class {stub}"
    available = _stub_members(stub)

    for name, statement in sorted(_standin_members(standin).items()):
        assert name in available, f"{standin}.{name} is not in {stub}"
        stub_functions = [s for s in available[name] if isinstance(s, ast.FunctionDef)]
        if isinstance(statement, ast.FunctionDef) and stub_functions:
            accepted = set().union(*(_parameters(f) for f in stub_functions))
            extra = _parameters(statement) - accepted
            assert not extra, f"{standin}.{name} takes {sorted(extra)}, not in {stub}.{name}"
        ours, theirs = _constant(statement) if statement else None, _constant(available[name][0])
        if ours is not None and theirs is not None:
            assert ours == theirs, f"{standin}.{name} is {ours!r}, Lean's is {theirs!r}"
