"""Routes: how an investor's money has done (their own only)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from bridge_api.analytics import dividends, documents, gains, report, statements
from bridge_api.analytics.report import Analytics
from bridge_api.calendar import ist_today
from bridge_api.db.models import User
from bridge_api.http.deps import CurrentUser, Manager, Reader, SessionDep
from bridge_api.http.fields import IdPath
from bridge_api.http.schemas.analytics import (
    AnalyticsOut,
    CapitalGainsOut,
    DividendLineOut,
    DividendTotalsOut,
    DrawdownOut,
    GainLineOut,
    GainTotalOut,
    IdentityOut,
    InvestorAnalyticsOut,
    PerformanceOut,
    PositionOut,
    SeriesOut,
    SmallcaseSpreadOut,
    SpreadOut,
    StatementLineOut,
    StatementOut,
    TdsOut,
    TrackingOut,
    WeightOut,
)

router = APIRouter(prefix="/analytics", tags=["analytics"])
AsOf = Annotated[date | None, Query(description="The last day (IST); default today.")]
_DOCUMENTS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, "text/html": {}}, "description": "JSON, CSV or HTML"}
}
RiskFree = Annotated[float, Query(ge=0.0, le=0.5, description="Annual risk-free rate.")]


@router.get("")
async def investor_analytics(
    read: Reader,
    as_of: AsOf = None,
    risk_free: RiskFree = report.RISK_FREE,
) -> InvestorAnalyticsOut:
    """The signed-in investor's whole book and each subscription: returns, risk, tracking,
    contributions, charges, the identity the figures obey, and a Plotly figure."""
    until = as_of or ist_today()

    def work(session: Session, user: User) -> InvestorAnalyticsOut:
        whole, parts = report.for_investor(session, user, until=until, risk_free=risk_free)
        body = _out(whole, until)
        return InvestorAnalyticsOut(
            **body.model_dump(),
            subscriptions=[_out(part, until, sid, figure=False) for sid, part in parts],
        )

    return await read(work)


@router.get("/capital-gains", response_model=CapitalGainsOut, responses=_DOCUMENTS)
def capital_gains(
    user: CurrentUser,
    session: SessionDep,
    fy: Annotated[int, Query(description="The financial year's first year: 2025 for 2025-26.")],
    format: Annotated[Literal["json", "csv", "html"], Query()] = "json",
) -> CapitalGainsOut | Response:
    """The signed-in investor's capital gains for a financial year: one line per lot sold
    (FIFO per subscription), and the totals per section and rate a tax filer needs; as JSON,
    CSV or a printable HTML page."""
    found = gains.lines(session, user, fy)
    if format == "html":
        page = documents.capital_gains_html(user.full_name, fy, found, gains.totals(found))
        return HTMLResponse(page)
    if format == "csv":
        return Response(
            gains.to_csv(found),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="capital-gains-{fy}.csv"'},
        )
    return CapitalGainsOut(
        financial_year=f"{fy}-{(fy + 1) % 100:02d}",
        long_term_exemption=gains.rule_on(gains.financial_year(fy)[1]).long_exemption,
        lines=[
            GainLineOut(
                subscription_id=g.subscription_id,
                symbol=g.symbol,
                bought_on=g.bought_on,
                sold_on=g.sold_on,
                quantity=g.quantity,
                cost=g.cost,
                proceeds=g.proceeds,
                gain=g.gain,
                term=g.term,
                section=g.section,
            )
            for g in found
        ],
        totals=[
            GainTotalOut(section=t.section, rate=t.rate, rule_from=t.rule_from, gain=t.gain)
            for t in gains.totals(found)
        ],
    )


_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "JSON or CSV"}
}


@router.get("/tds", response_model=TdsOut, responses=_CSV)
def tds(
    user: CurrentUser,
    session: SessionDep,
    fy: Annotated[int, Query(description="The financial year's first year: 2025 for 2025-26.")],
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> TdsOut | Response:
    """The signed-in investor's dividends paid in a financial year, per subscription: gross,
    TDS deducted and net, with the ex, record and payment dates, and the year's totals; as
    JSON or CSV."""
    found = dividends.lines(session, user, fy)
    if format == "csv":
        return Response(
            dividends.to_csv(found),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="tds-{fy}.csv"'},
        )
    total = dividends.totals(found)
    return TdsOut(
        financial_year=f"{fy}-{(fy + 1) % 100:02d}",
        lines=[
            DividendLineOut(
                action_id=d.action_id,
                subscription_id=d.subscription_id,
                smallcase=d.smallcase,
                symbol=d.symbol,
                held=d.held,
                per_share=d.per_share,
                ex_date=d.ex_date,
                record_date=d.record_date,
                paid_on=d.paid_on,
                gross=d.gross,
                tds=d.tds,
                net=d.net,
            )
            for d in found
        ],
        totals=DividendTotalsOut(gross=total.gross, tds=total.tds, net=total.net),
    )


@router.get("/statements/{year}/{month}", response_model=StatementOut, responses=_DOCUMENTS)
def statement(
    year: Annotated[int, Path(ge=2000, le=2100)],
    month: Annotated[int, Path(ge=1, le=12)],
    user: CurrentUser,
    session: SessionDep,
    format: Annotated[Literal["json", "csv", "html"], Query()] = "json",
) -> StatementOut | Response:
    """The signed-in investor's statement for a month: opening and closing positions, every
    movement, charges and realised gains; as JSON, CSV (the movements) or a printable page."""
    found = statements.monthly(session, user, year, month)
    if format == "html":
        return HTMLResponse(documents.statement_html(user.full_name, found))
    if format == "csv":
        return Response(
            documents.statement_csv(found),
            media_type="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="statement-{year}-{month:02d}.csv"'
            },
        )

    def positions(books: dict[str, statements.Position]) -> dict[str, PositionOut]:
        return {
            name: PositionOut(cash=p.cash, shares=p.shares, value=p.value)
            for name, p in books.items()
        }

    return StatementOut(
        first=found.first,
        last=found.last,
        opening=positions(found.opening),
        closing=positions(found.closing),
        lines=[
            StatementLineOut(
                day=line.day,
                entry_id=line.entry_id,
                cause=line.cause,
                memo=line.memo,
                book=line.book,
                asset=line.asset,
                amount=line.amount,
            )
            for line in found.lines
        ],
        charges=found.charges,
        realised=found.realised,
    )


@router.get("/smallcases/{smallcase_id}")
def smallcase_spread(
    smallcase_id: IdPath, manager: Manager, session: SessionDep, as_of: AsOf = None
) -> SmallcaseSpreadOut:
    """For its manager (or an admin): how the smallcase's subscriptions did against its
    model, as the spread between the best, the median and the worst."""
    until = as_of or ist_today()
    found = report.for_smallcase(session, manager, smallcase_id, until=until)

    def spread(values: tuple[float, float, float] | None) -> SpreadOut | None:
        return (
            None if values is None else SpreadOut(low=values[0], median=values[1], high=values[2])
        )

    return SmallcaseSpreadOut(
        smallcase_id=smallcase_id,
        as_of=until,
        subscriptions=found.subscriptions,
        value=found.value,
        returns=spread(found.returns),
        excess=spread(found.excess),
        tracking_errors=spread(found.tracking_errors),
    )


@router.get("/subscriptions/{subscription_id}")
def subscription_analytics(
    subscription_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    as_of: AsOf = None,
    risk_free: RiskFree = report.RISK_FREE,
) -> AnalyticsOut:
    """One of the signed-in investor's subscriptions (another's is a 404)."""
    until = as_of or ist_today()
    result = report.for_subscription(
        session, user, subscription_id, until=until, risk_free=risk_free
    )
    return _out(result, until, subscription_id)


def _out(
    result: Analytics, until: date, subscription_id: int | None = None, *, figure: bool = True
) -> AnalyticsOut:
    i, p, t, s = result.identity, result.performance, result.tracking, result.series
    return AnalyticsOut(
        subscription_id=subscription_id,
        as_of=until,
        identity=IdentityOut(
            paid_in=i.paid_in,
            paid_out=i.paid_out,
            realised=i.realised,
            unrealised=i.unrealised,
            stt=i.stt,
            value=i.value,
            holds=i.holds,
        ),
        performance=None
        if p is None
        else PerformanceOut(
            time_weighted_return=p.time_weighted,
            money_weighted_return=p.money_weighted,
            annual_volatility=p.volatility,
            sharpe=p.sharpe,
            sortino=p.sortino,
            max_drawdown=DrawdownOut(
                depth=p.drawdown.depth,
                peak=p.drawdown.peak,
                trough=p.drawdown.trough,
                recovered=p.drawdown.recovered,
            ),
            risk_free_rate=p.risk_free,
        ),
        tracking=None
        if t is None
        else TrackingOut(
            model_return=t.model_return,
            equal_weight_return=t.equal_weight_return,
            tracking_error=t.tracking_error,
            weights={k: WeightOut(actual=a, target=g) for k, (a, g) in t.weights.items()},
        ),
        contributions=result.contributions,
        charges=result.charges,
        series=None if s is None else SeriesOut(days=s.days, values=s.values, flows=s.flows),
        figure=_figure(result) if figure and s is not None else None,
    )


def _figure(result: Analytics) -> dict[str, Any]:
    import plotly.graph_objects as go  # noqa: PLC0415

    series = result.series
    assert series is not None
    paid: list[str] = []
    running = Decimal(0)
    for flow in series.flows:
        running += flow
        paid.append(str(running))
    figure = go.Figure(
        [
            go.Scatter(x=series.days, y=[str(v) for v in series.values], name="value"),
            go.Scatter(x=series.days, y=paid, name="paid in, net", line={"dash": "dot"}),
        ]
    )
    figure.update_layout(yaxis_title="rupees", xaxis_title="day (IST)")
    return dict(figure.to_plotly_json())
