"""Two API processes and two engine processes on one database, the lease holder killed.

    python -m benchmarks.scale_out [--latency-ms 40] [--clients 4]

On a fresh database (the embedded PostgreSQL, or DATABASE_URL's server): the demo market,
users and an approved Nifty Leaders batch of two investors. Then two ``saras serve`` processes
answer `--clients` looping clients (GET /portfolio and /me as Asha and Vikram, spread over
both), and two ``saras engine run`` processes contend for the trading lease: one trades, the
other waits. Once the holder has placed orders it is killed (SIGKILL); the other takes the
lease when it lapses, resumes the batch from what the database recorded and finishes it.
Prints the lease's holders over time, the API's answers (per process and phase: before the
kill, the takeover, after), and the exactness checks: each order tag placed once, each venue
trade recorded once, the books reconciled with the venue.

`tests/bridge_api/execution/test_scale_out.py` runs the same and asserts it.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

LEASE_SECONDS = 30
"""The engine's default: long enough that a holder on a loaded machine renews in time (a
lapsed lease passes to the other engine, and the one that lost it stops, exit 3); so the
takeover after a kill waits up to this long."""
PAGES = ("/portfolio", "/me")


def saras_environment(url: str) -> dict[str, str]:
    """The environment of a ``saras`` process on the database at `url`."""
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("SARAS_DATABASE_URL", None)
    return env


def api_process(url: str, port: int) -> subprocess.Popen[bytes]:
    """``saras serve`` on `port` (its log records go nowhere)."""
    return subprocess.Popen(
        [sys.executable, "-m", "saras", "serve", "--port", str(port)],
        env=saras_environment(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def engine_process(url: str, day: date, latency_ms: int) -> subprocess.Popen[str]:
    """``saras engine run`` on the paper venue for `day`, with a short lease."""
    command = [sys.executable, "-m", "saras", "engine", "run", "--paper-day", day.isoformat()]
    command += ["--lease-seconds", str(LEASE_SECONDS), "--latency-ms", str(latency_ms)]
    command += ["--orders-per-second", "200", "--orders-per-minute", "10000"]
    return subprocess.Popen(
        command,
        env=saras_environment(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_serving(base: str, process: subprocess.Popen[bytes], within: float = 90) -> None:
    """Return once `base` answers; fail if the process dies or `within` seconds pass."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API process on {base} exited with {process.returncode}")
        try:
            urllib.request.urlopen(base + "/portfolio/status", timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the API on {base} did not answer within {within} s")


@dataclass
class Answers:
    """The API's answers while the engines trade: (when, which process, status)."""

    seen: list[tuple[float, int, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, process: int, status: int) -> None:
        """Record one answer now."""
        with self.lock:
            self.seen.append((time.monotonic(), process, status))

    def between(self, start: float, end: float) -> Counter[tuple[int, int]]:
        """How many answers of each (process, status) came in [start, end)."""
        with self.lock:
            return Counter((p, s) for t, p, s in self.seen if start <= t < end)


@contextmanager
def load(bases: list[str], tokens: list[str], clients: int) -> Iterator[Answers]:
    """`clients` threads, each GETting `PAGES` in turn from the APIs in turn with the
    tokens in turn, until the block ends; answers are recorded (a refused connection or a
    timeout as status 0)."""
    answers, stop = Answers(), threading.Event()

    def client(number: int) -> None:
        turn = number
        while not stop.is_set():
            process = turn % len(bases)
            request = urllib.request.Request(
                bases[process] + PAGES[turn % len(PAGES)],
                headers={"Authorization": f"Bearer {tokens[turn % len(tokens)]}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    answer.read()
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            answers.add(process, status)
            turn += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield answers
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)


@dataclass
class Holders:
    """Who held the trading lease, in order, as seen by polling it."""

    seen: list[tuple[float, str]] = field(default_factory=list)

    def order(self) -> list[str]:
        """Each holder once, in the order they first held it."""
        return list(dict.fromkeys(holder for _, holder in self.seen))

    def first_held_by(self, holder: str) -> float:
        """When `holder` was first seen holding the lease."""
        return next(t for t, h in self.seen if h == holder)


@contextmanager
def watch_lease(sessions: sessionmaker[Session], every: float = 0.05) -> Iterator[Holders]:
    """Poll the lease's holder until the block ends."""
    holders, stop = Holders(), threading.Event()

    def poll() -> None:
        while not stop.is_set():
            with sessions() as session:
                holder = session.execute(
                    text("SELECT holder FROM engine_leases WHERE expires_at > clock_timestamp()")
                ).scalar()
            if holder is not None:
                holders.seen.append((time.monotonic(), holder))
            stop.wait(every)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield holders
    finally:
        stop.set()
        thread.join(timeout=10)


def placed(sessions: sessionmaker[Session]) -> int:
    """Orders the paper venue has accepted so far."""
    from bridge_api.db.models import PaperOrder  # noqa: PLC0415

    with sessions() as session:
        return int(session.execute(select(func.count()).select_from(PaperOrder)).scalar_one())


@dataclass
class Outcome:
    """What happened: the engines' exit codes and output, the holders, the API's answers."""

    victim: int
    survivor: int
    victim_code: int | None
    survivor_code: int | None
    survivor_output: str
    holders: Holders
    answers: Answers
    killed_at: float
    taken_over_at: float
    finished_at: float
    placed_before_kill: int


def kill_the_holder_under_load(
    sessions: sessionmaker[Session],
    url: str,
    day: date,
    tokens: list[str],
    *,
    clients: int = 4,
    latency_ms: int = 40,
) -> Outcome:
    """Two APIs under load, two engines for the lease; the holder is killed once it has
    placed orders, and the other finishes the batch (see the module doc)."""
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    apis = [api_process(url, port) for port in ports]
    engines: list[subprocess.Popen[str]] = []
    try:
        for base, api in zip(bases, apis, strict=True):
            wait_until_serving(base, api)
        with load(bases, tokens, clients) as answers, watch_lease(sessions) as holders:
            engines = [engine_process(url, day, latency_ms) for _ in range(2)]
            victim_pid = _holder_once_trading(sessions, holders, engines)
            victim = next(e for e in engines if e.pid == victim_pid)
            survivor = next(e for e in engines if e is not victim)
            placed_before_kill = placed(sessions)
            killed_at = time.monotonic()
            victim.send_signal(signal.SIGKILL)
            victim.communicate(timeout=60)
            output, errors = survivor.communicate(timeout=300)
            finished_at = time.monotonic()
            time.sleep(1)  # the API's answers just after the batch
        successor = [h for h in holders.order() if not h.endswith(f":{victim.pid}")]
        taken_over_at = holders.first_held_by(successor[0]) if successor else finished_at
        return Outcome(
            victim=victim.pid,
            survivor=survivor.pid,
            victim_code=victim.returncode,
            survivor_code=survivor.returncode,
            survivor_output=output + errors[-3000:],
            holders=holders,
            answers=answers,
            killed_at=killed_at,
            taken_over_at=taken_over_at,
            finished_at=finished_at,
            placed_before_kill=placed_before_kill,
        )
    finally:
        for process in [*engines, *apis]:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


def _holder_once_trading(
    sessions: sessionmaker[Session],
    holders: Holders,
    engines: list[subprocess.Popen[str]],
    within: float = 120,
) -> int:
    """The pid of the engine holding the lease, once it has placed two orders."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for engine in engines:
            if engine.poll() is not None:
                raise RuntimeError(f"an engine exited early: {engine.communicate()[1][-3000:]}")
        if holders.seen and placed(sessions) >= 2:
            return int(holders.seen[-1][1].rsplit(":", 1)[1])
        time.sleep(0.05)
    raise RuntimeError(f"no engine placed orders within {within} s")


def ready_batch(sessions: sessionmaker[Session], amounts: dict[str, str], day: date) -> int:
    """The demo users invest in Nifty Leaders; one approved batch of it, priced before `day`."""
    from bridge_api.batches import service as batches  # noqa: PLC0415
    from bridge_api.db.models import Smallcase, User  # noqa: PLC0415
    from bridge_api.demo.seed import seed_demo  # noqa: PLC0415
    from bridge_api.portfolios import intents  # noqa: PLC0415

    with sessions() as session, session.begin():
        seed_demo(session, paid_on=day)
        leaders = session.execute(
            select(Smallcase).where(Smallcase.name == "Nifty Leaders")
        ).scalar_one()
        for email, amount in amounts.items():
            user = session.execute(select(User).where(User.email == email)).scalar_one()
            intents.invest(session, user, smallcase_id=leaders.id, amount=Decimal(amount), on=day)
        manager = session.execute(
            select(User).where(User.email == "manager@saras.demo")
        ).scalar_one()
        batch = batches.create(session, manager, smallcase_id=leaders.id, prices_before=day)
        batches.approve(session, manager, batch.id)
        return batch.id


def access_tokens(sessions: sessionmaker[Session], emails: list[str]) -> list[str]:
    """A signed-in session for each user, as ``/login`` starts one."""
    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.db.models import User  # noqa: PLC0415
    from bridge_api.users.sessions import start  # noqa: PLC0415

    with sessions() as session, session.begin():
        users = [session.execute(select(User).where(User.email == e)).scalar_one() for e in emails]
        return [start(session, user, get_settings()).access_token for user in users]


def exactly_once(sessions: sessionmaker[Session], day: date) -> list[str]:
    """What is wrong with the books after the batch (nothing, when empty): a tag placed twice,
    a venue trade not recorded exactly once, a difference with the venue."""
    from bridge_api.brokers.paper import PaperVenue  # noqa: PLC0415
    from bridge_api.db.models import BrokerTrade, PaperOrder, PaperTrade  # noqa: PLC0415
    from bridge_api.ledger.reconciliation import compare  # noqa: PLC0415

    problems = []
    with sessions() as session:
        twice = session.execute(
            select(PaperOrder.tag).group_by(PaperOrder.tag).having(func.count() > 1)
        ).all()
        if twice:
            problems.append(f"tags placed twice: {twice}")
        venue = sorted(session.execute(select(PaperTrade.trade_id)).scalars())
        books = sorted(session.execute(select(BrokerTrade.broker_trade_id)).scalars())
        if venue != books:
            problems.append(f"venue trades {len(venue)}, recorded {len(books)}")
        report = compare(session, PaperVenue(sessions, session_day=day))
        if not report.matches:
            problems.append(f"the books differ from the venue: {report}")
    return problems


INVESTORS = {"asha@saras.demo": "150000.00", "vikram@saras.demo": "600000.00"}


def main() -> None:
    """Run it on a fresh database and print what happened."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=int, default=40)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.db.migrate import upgrade  # noqa: PLC0415
    from bridge_api.db.roles import app_engine  # noqa: PLC0415
    from bridge_api.demo.database import demo_database  # noqa: PLC0415
    from bridge_api.demo.scenario import FIRST_DAY  # noqa: PLC0415
    from bridge_api.demo.seed import load_market  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as scratch:
        os.environ["SARAS_DATA_DIR"] = scratch
        url = demo_database("saras_scale_out")
        upgrade(url)
        engine = app_engine(url)
        sessions = sessionmaker(engine, expire_on_commit=False)
        with sessions() as session, session.begin():
            load_market(session, get_settings().market_data_dir)
        batch = ready_batch(sessions, INVESTORS, FIRST_DAY)
        tokens = access_tokens(sessions, list(INVESTORS))
        outcome = kill_the_holder_under_load(
            sessions, url, FIRST_DAY, tokens, clients=args.clients, latency_ms=args.latency_ms
        )
        _print(outcome, batch, exactly_once(sessions, FIRST_DAY))
        engine.dispose()


def _print(outcome: Outcome, batch: int, problems: list[str]) -> None:
    start = outcome.holders.seen[0][0] if outcome.holders.seen else outcome.killed_at
    print(f"batch {batch}; lease holders in order: {', '.join(outcome.holders.order())}")
    print(
        f"engine {outcome.victim} held the lease and placed {outcome.placed_before_kill} "
        f"orders; SIGKILL at {outcome.killed_at - start:.1f} s (exit {outcome.victim_code})"
    )
    print(
        f"engine {outcome.survivor} took the lease at {outcome.taken_over_at - start:.1f} s "
        f"and finished at {outcome.finished_at - start:.1f} s (exit {outcome.survivor_code})"
    )
    phases = {
        "before the kill": (start, outcome.killed_at),
        "takeover": (outcome.killed_at, outcome.taken_over_at),
        "after": (outcome.taken_over_at, outcome.finished_at + 1),
    }
    for name, (begin, end) in phases.items():
        counts = outcome.answers.between(begin, end)
        seconds = max(end - begin, 1e-9)
        shown = ", ".join(
            f"API {p + 1}: {sum(n for (q, s), n in counts.items() if q == p) / seconds:.0f}/s"
            for p in (0, 1)
        )
        statuses: Counter[int] = Counter()
        for (_, status), number in counts.items():
            statuses[status] += number
        print(f"  {name:<16} {seconds:5.1f} s  {shown}  statuses {dict(statuses)}")
    print("books exact: yes" if not problems else f"books NOT exact: {problems}")
    if outcome.survivor_code != 0:
        print(outcome.survivor_output)


if __name__ == "__main__":
    main()
