"""Throughput and p99 of the API's read routes, as ratios to a trivial endpoint served the same way.

    python -m benchmarks.api [--seconds 5] [--rounds 3] [--connections 16] [--workers 1]

Runs the demo scenario (`saras demo`: seeded investors invest, a rebalance, two trading
sessions through the paper venue) into a fresh database on the embedded PostgreSQL (or
DATABASE_URL's server), then serves two apps with uvicorn in subprocesses, each configured
as in production (JSON log lines, no access log): the bridge, and a one-route FastAPI app
answering a constant (the baseline). Signs in as the demo investor Vikram (three
subscriptions) and drives each route with `wrk` (one load thread, `--connections` keep-alive
connections), interleaving the baseline with the routes in every round. Prints, per route, the
median over rounds of requests/s and p99 latency, the median of the same-round ratios to the
baseline, and where the CPU went (the server process, PostgreSQL, the load generator; percent
of one core). The load generator's own CPU against the baseline shows it is not the bottleneck.

Needs `wrk` (Debian: ``apt-get install wrk``). These are measurements, not tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
from fastapi import FastAPI

ROUTES = (
    "/me",
    "/portfolio",
    "/transactions",
    "/smallcases",
    "/analytics",
    "/intents",
)
BASELINE = "/trivial"
INVESTOR = "vikram@saras.demo"
GOAL_THROUGHPUT, GOAL_P99 = 0.5, 3.0


def trivial_app() -> FastAPI:
    """The baseline: FastAPI answering a constant, logging configured as the bridge's."""
    _production_logging()
    app = FastAPI()

    @app.get(BASELINE)
    async def trivial() -> dict[str, bool]:
        return {"ok": True}

    return app


def saras_app() -> FastAPI:
    """The bridge as `saras serve` builds it, logging one JSON line per request."""
    from bridge_api.http.app import create_app  # noqa: PLC0415

    _production_logging()
    return create_app()


def _production_logging() -> None:
    from bridge_api import logs  # noqa: PLC0415

    logs.configure(fmt="json")


@dataclass(frozen=True, slots=True)
class Run:
    """One wrk run against one route."""

    rate: float
    p99_ms: float
    server_cpu: float
    database_cpu: float
    loader_cpu: float
    """Each in percent of one core over the run."""
    server_ms: float
    database_ms: float
    """CPU milliseconds per request, of the server and of PostgreSQL (steadier than the rates
    on a machine shared with other work)."""


def main() -> None:
    """Prepare the demo data, serve it, load every route, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--routes", nargs="*", default=list(ROUTES))
    parser.add_argument(
        "--profile",
        type=Path,
        help="also sample the server with py-spy into this folder (collapsed stacks per route, "
        "only the thread holding the GIL: where the server's CPU goes)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("benchmarks.api needs wrk (Debian: apt-get install wrk)")
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["SARAS_DATA_DIR"] = scratch
        os.environ.setdefault("SARAS_JWT_SECRET", "benchmark-signing-key-" + "x" * 32)
        os.environ["SARAS_ACCESS_TOKEN_MINUTES"] = "600"
        url = _demo_data()
        with (
            _serving("trivial_app", url, args.workers, scratch) as trivial,
            _serving("saras_app", url, args.workers, scratch) as saras,
        ):
            token = _sign_in(saras.base)
            results: dict[str, list[Run]] = {BASELINE: []}
            ratios: dict[str, list[tuple[float, float]]] = {}
            for number in range(args.rounds):
                base = _load(trivial, BASELINE, None, args)
                results[BASELINE].append(base)
                for route in args.routes:
                    run = _load(saras, route, token, args)
                    results.setdefault(route, []).append(run)
                    ratios.setdefault(route, []).append(
                        (run.rate / base.rate, run.p99_ms / base.p99_ms)
                    )
                print(f"round {number + 1} of {args.rounds} done", file=sys.stderr)
        _print(results, ratios, args)


def _demo_data() -> str:
    from sqlalchemy.orm import sessionmaker  # noqa: PLC0415

    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.roles import app_engine  # noqa: PLC0415
    from bridge_api.demo.database import demo_database  # noqa: PLC0415
    from bridge_api.demo.scenario import run_demo  # noqa: PLC0415

    started = time.perf_counter()
    url = demo_database("saras_bench_api")
    upgrade(url)
    engine = app_engine(url)
    try:
        run_demo(sessionmaker(engine, expire_on_commit=False))
    finally:
        engine.dispose()
    print(f"demo data ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return url


@dataclass(frozen=True, slots=True)
class _Server:
    base: str
    process: psutil.Process


@contextmanager
def _serving(factory: str, url: str, workers: int, scratch: str) -> Iterator[_Server]:
    port = _free_port()
    env = {**os.environ, "SARAS_DATABASE_URL": url}
    env.pop("DATABASE_URL", None)
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        f"benchmarks.api:{factory}",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--no-server-header",
        "--log-level",
        "warning",
    ]
    log = Path(scratch) / f"{factory}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=sink)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base, process, log)
        yield _Server(base, psutil.Process(process.pid))
    finally:
        process.terminate()
        process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(base + "/openapi.json", timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("the server did not start within 60 s")


def _sign_in(base: str) -> str:
    from bridge_api.demo.seed import DEMO_PASSWORD  # noqa: PLC0415

    request = urllib.request.Request(
        base + "/login",
        data=json.dumps({"email": INVESTOR, "password": DEMO_PASSWORD}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        token: str = json.load(answer)["access_token"]
    return token


def _load(server: _Server, route: str, token: str | None, args: argparse.Namespace) -> Run:
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
    command += ["--timeout", "30s"]  # a slow answer counts in the p99, not as an error
    if token is not None:
        command += ["-H", f"Authorization: Bearer {token}"]
    command.append(server.base + route)
    served = _cpu(server.process)
    database = _database_cpu()
    loader = _children_cpu()
    sampler = _sampler(server, route, args)
    started = time.perf_counter()
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - started
    if sampler is not None:
        sampler.wait()
    if "Non-2xx" in output or "Socket errors" in output:
        sys.exit(f"{route}: failed requests under load:\n{output}")
    count = int(_field(output, r"(\d+) requests in"))
    rate = float(_field(output, r"Requests/sec:\s+([\d.]+)"))
    p99 = _milliseconds(_field(output, r"\n\s+99%\s+(\S+)"))
    print(f"{route:<14} {rate:8.0f}/s  p99 {p99:7.1f} ms", file=sys.stderr)
    served, database = _cpu(server.process) - served, _database_cpu() - database
    return Run(
        rate=rate,
        p99_ms=p99,
        server_cpu=100 * served / wall,
        database_cpu=100 * database / wall,
        loader_cpu=100 * (_children_cpu() - loader) / wall,
        server_ms=1000 * served / max(count, 1),
        database_ms=1000 * database / max(count, 1),
    )


def _sampler(
    server: _Server, route: str, args: argparse.Namespace
) -> subprocess.Popen[bytes] | None:
    if args.profile is None:
        return None
    args.profile.mkdir(parents=True, exist_ok=True)
    name = route.strip("/").replace("/", "_") or "root"
    command = [
        shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy")),
        "record",
        "--pid",
        str(server.process.pid),
        "--format",
        "raw",
        "--gil",
    ]
    command += ["--duration", str(max(1, args.seconds - 1)), "--rate", "250", "--nonblocking"]
    command += ["--output", str(args.profile / f"{name}.txt")]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _field(output: str, pattern: str) -> str:
    found = re.search(pattern, output)
    if found is None:
        sys.exit(f"unexpected wrk output:\n{output}")
    return found.group(1)


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _cpu(process: psutil.Process) -> float:
    """CPU seconds of a process and its live and reaped children."""
    times = process.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in process.children(recursive=True):
        try:
            part = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += part.user + part.system
    return total


def _database_cpu() -> float:
    """CPU seconds of the embedded PostgreSQL (0 when DATABASE_URL's server is used)."""
    pid_file = Path(os.environ["SARAS_DATA_DIR"]) / "pgdata" / "postmaster.pid"
    if os.environ.get("DATABASE_URL") or not pid_file.exists():
        return 0.0
    try:
        return _cpu(psutil.Process(int(pid_file.read_text().split()[0])))
    except psutil.NoSuchProcess:
        return 0.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _print(
    results: dict[str, list[Run]],
    ratios: dict[str, list[tuple[float, float]]],
    args: argparse.Namespace,
) -> None:
    print(
        f"\n{args.connections} connections, {args.seconds:g} s per run, {args.rounds} rounds, "
        f"{args.workers} uvicorn worker(s), load generator: wrk -t1; medians over rounds"
    )
    print(
        f"{'route':<14} {'req/s':>8} {'p99 ms':>8} {'x tput':>7} {'x p99':>6}  "
        f"{'server%':>7} {'pg%':>5} {'wrk%':>5} {'srv ms':>6} {'pg ms':>5}  "
        f"goal (>= {GOAL_THROUGHPUT:g}x tput, <= {GOAL_P99:g}x p99)"
    )
    for route, runs in results.items():
        rate = statistics.median(r.rate for r in runs)
        p99 = statistics.median(r.p99_ms for r in runs)
        cpu = [statistics.median(getattr(r, f) for r in runs) for f in _CPU_FIELDS]
        if route == BASELINE:
            shown, verdict = f"{'1.00':>7} {'1.00':>6}", "baseline"
        elif rate == 0:
            shown, verdict = f"{'-':>7} {'-':>6}", "misses (no answer within the run)"
        else:
            throughput = statistics.median(t for t, _ in ratios[route])
            latency = statistics.median(p for _, p in ratios[route])
            met = throughput >= GOAL_THROUGHPUT and latency <= GOAL_P99
            shown, verdict = f"{throughput:7.2f} {latency:6.2f}", "meets" if met else "misses"
        print(
            f"{route:<14} {rate:8.0f} {p99:8.1f} {shown}  "
            f"{cpu[0]:7.0f} {cpu[1]:5.0f} {cpu[2]:5.0f} {cpu[3]:6.2f} {cpu[4]:5.2f}  {verdict}"
        )


_CPU_FIELDS = ("server_cpu", "database_cpu", "loader_cpu", "server_ms", "database_ms")


if __name__ == "__main__":
    main()
