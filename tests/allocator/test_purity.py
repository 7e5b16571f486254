"""The allocator is pure: no I/O, no wall clock, no framework imports (a design rule)."""

import ast
from pathlib import Path

import allocator

ROOT = Path(allocator.__file__).parent
FORBIDDEN_MODULES = {
    "AlgorithmImports",
    "QuantConnect",
    "fastapi",
    "starlette",
    "sqlalchemy",
    "psycopg",
    "pydantic",
    "kiteconnect",
    "requests",
    "httpx",
    "socket",
    "subprocess",
    "os",
    "io",
    "pathlib",
    "shutil",
    "time",
    "random",
    "logging",
    "threading",
    "asyncio",
    "urllib",
    "http",
    "sqlite3",
    "tempfile",
}
FORBIDDEN_CALLS = {"open", "print", "input", "now", "utcnow", "today", "time", "perf_counter"}


def _sources():
    return sorted(ROOT.rglob("*.py"))


def test_the_allocator_imports_no_io_clock_or_framework_module():
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN_MODULES
            ]
    assert offenders == []


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
