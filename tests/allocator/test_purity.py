"""The allocator is pure: no I/O and no wall clock. (What it may import is an import-linter
contract in pyproject.toml, checked by the test command.)"""

import ast
from pathlib import Path

import allocator

ROOT = Path(allocator.__file__).parent
FORBIDDEN_CALLS = {"open", "print", "input", "now", "utcnow", "today", "time", "perf_counter"}


def _sources():
    return sorted(ROOT.rglob("*.py"))


def test_the_allocator_calls_no_io_or_clock_function():
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                name = (
                    func.id
                    if isinstance(func, ast.Name)
                    else func.attr
                    if isinstance(func, ast.Attribute)
                    else ""
                )
                if name in FORBIDDEN_CALLS:
                    offenders.append(f"{path.name}:{node.lineno}: {name}()")
    assert offenders == []


def test_the_boundary_check_sees_every_allocator_module():
    assert {p.name for p in _sources()} >= {"planning.py", "fills.py", "sizing.py", "charges.py"}
