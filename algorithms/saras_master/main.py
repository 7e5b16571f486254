"""The Saras master algorithm: a thin Lean adapter over the execution engine.

Every few minutes during NSE hours a scheduled poll resumes the executing batch or claims a
ready one and moves it on by a bounded number of engine steps (plan, send, finalize, finish),
never blocking. Orders go out through `LeanBroker` as NSE CNC day limit orders; order events
only record fills for the engine's trade book and wake the poll. Parameters (see
``parameters.py`` and ``docs/lean.md``) are read once here, in `initialize`.
"""

from datetime import date, timedelta

from AlgorithmImports import *
from batch_queue import BatchWork, instrument_ticks, next_batch, open_sessions
from handler_errors import logged_errors
from lean_broker import LeanBroker
from lean_clock import LIVE_CLOSING, LeanClock
from parameters import DEFAULTS, MasterParameters

from allocator import Limits
from bridge_api.execution import engine as execution
from bridge_api.execution.lease import Lease
from bridge_api.execution.ratelimit import OrderRateLimiter, RateLimits
from bridge_api.execution.stops import RealMoneyDisabled

FINAL_EVENTS = (OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.INVALID)


class SarasMaster(QCAlgorithm):
    """Trades Saras batches through Lean: Zerodha live, or a Lean backtest."""

    def initialize(self) -> None:
        """Read the parameters, set up the Indian market, and schedule the poll."""
        parameters = MasterParameters.parse(
            {name: self.get_parameter(name, default) for name, default in DEFAULTS.items()}
        )
        self._parameters = parameters
        self.set_time_zone(TimeZones.KOLKATA)
        self.set_account_currency("INR")
        if not self.live_mode:
            if parameters.start_date is not None:
                self.set_start_date(parameters.start_date)
            if parameters.end_date is not None:
                self.set_end_date(parameters.end_date)
            self.set_cash(float(parameters.cash))
        self.set_brokerage_model(BrokerageName.ZERODHA, AccountType.CASH)
        # No symbol: Lean answers with the market's default hours (Equity-india-[*]).
        hours = self.market_hours_database.get_exchange_hours
        self._hours = hours(Market.INDIA, None, SecurityType.EQUITY)  # type: ignore[call-overload]
        self._sessions = open_sessions(parameters.database_url)
        self._broker = LeanBroker(self)
        self._broker.subscribe(instrument_ticks(self._sessions, parameters.symbols))
        self._limiter = OrderRateLimiter(
            self._sessions, limits=RateLimits(per_second=parameters.orders_per_second)
        )
        self._lease = Lease(
            self._sessions,
            holder=f"lean:{self._broker.run}",
            ttl=timedelta(minutes=3 * parameters.poll_minutes),
        )
        self._refused: set[int] = set()
        self._settled_on: date | None = None
        self._wake = False
        self._engine(self.time.date())  # refuses real money here rather than at the first poll
        self.schedule.on(
            self.date_rules.every_day(),
            self.time_rules.every(timedelta(minutes=parameters.poll_minutes)),
            self._poll,
        )

    def on_order_event(self, order_event: OrderEvent) -> None:
        """Record the event's fill for the engine; a final status wakes the poll."""
        with logged_errors(self.error, f"order event {order_event.order_id}/{order_event.id}"):
            self._broker.record(order_event)
            if order_event.status in FINAL_EVENTS:
                self._wake = True

    def on_data(self, data: Slice) -> None:
        """Run a woken poll now rather than at the next scheduled one."""
        if self._wake:
            self._poll()

    def on_end_of_algorithm(self) -> None:
        """Give the trading lease up, so another engine can take over at once."""
        with logged_errors(self.error, "releasing the trading lease"):
            self._lease.release()

    def _poll(self) -> None:
        self._wake = False
        clock = self._clock(self.time.date())
        if not clock.can_step():
            return
        # On an error the batch stays where the database has it; the next poll goes on.
        with logged_errors(self.error, "poll"):
            if not self._lease.try_acquire():
                self.debug("another engine holds the trading lease; not trading")
                return
            today = self.time.date()
            if self._settled_on != today:  # T+1, once a day before the day's first batch
                self._engine(today).settle()
                self._settled_on = today
            work = self._work(claim=clock.can_claim())
            if work is None:
                return
            engine = self._engine(work.trade_date or self.time.date())
            for _ in range(self._parameters.steps_per_poll):
                if engine.step(work.id) != execution.BUSY:
                    break

    def _work(self, *, claim: bool) -> BatchWork | None:
        """The batch to step, unless it has orders at the broker this run cannot see."""
        work = next_batch(self._sessions, claim=claim)
        if work is None:
            return None
        unseen = sorted(tag for tag in work.in_flight if not self._broker.knows(tag))
        if unseen:
            if work.id not in self._refused:
                self._refused.add(work.id)
                self.error(
                    f"batch {work.id} has {len(unseen)} orders at the broker from an earlier run "
                    f"(e.g. {unseen[0]}) that Lean cannot see; finish it on the direct Kite path"
                )
            return None
        for ticker in self._broker.subscribe(work.ticks):
            self.log(f"subscribed {ticker} for batch {work.id}")
        return work

    def _engine(self, trade_date: date) -> execution.Engine:
        parameters = self._parameters
        config = execution.EngineConfig(
            trade_date=trade_date,
            collar=parameters.collar,
            limits=Limits(orders_per_second=parameters.orders_per_second),
            real_money=parameters.real_money,
        )
        try:
            return execution.Engine(
                self._sessions,
                self._broker,
                self._clock(trade_date),
                limiter=self._limiter,
                config=config,
                lease=self._lease,
                progress=self._progress,
            )
        except RealMoneyDisabled as error:
            raise RealMoneyDisabled(
                "Lean live trading is real money: set the 'real-money' parameter to true"
            ) from error

    def _clock(self, trade_date: date) -> LeanClock:
        if not self.live_mode:
            return LeanClock(
                now=lambda: self.time,
                hours=self._hours,
                trade_date=trade_date,
                cutoff=self._parameters.cutoff,
            )
        return LeanClock(
            now=lambda: self.time,
            hours=self._hours,
            trade_date=trade_date,
            cutoff=self._parameters.cutoff,
            close=LIVE_CLOSING,
            cancel_open=self._cancel_open,
        )

    def _cancel_open(self) -> None:
        cancelled = self._broker.cancel_open()
        if cancelled:
            self.log(f"cancelled {cancelled} open orders before the close")

    def _progress(self, event: str, info: dict[str, object]) -> None:
        self.log(f"{event}: {info}")
