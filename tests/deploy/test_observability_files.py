"""The Grafana dashboard and the Prometheus configuration and alert rules in ``deploy/``: valid
JSON and YAML with the fields each tool requires, and every PromQL query naming only metrics
Saras exports, collected from the real registry after a traded day and a scrape.
(``promtool`` is not installed here, so the rules are parsed, not evaluated.)"""

import json
import re

import pytest

from tests.bridge_api.observability.exercise import sample_names, scrape, trade_a_day
from tests.deploy.manifests import DEPLOY, documents

DASHBOARD = DEPLOY / "grafana" / "dashboards" / "saras.json"
RULES = DEPLOY / "prometheus" / "rules" / "saras.yml"
PROMETHEUS_OWN = {"up"}
"""Series Prometheus makes itself for every target."""
_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "offset", "bool",
    "group_left", "group_right", "inf", "nan",
    # aggregation operators may take their grouping before their parenthesis
    "sum", "min", "max", "avg", "count", "group", "stddev", "stdvar", "topk", "bottomk",
    "quantile", "count_values", "limitk", "limit_ratio",
}  # fmt: skip
_DURATION = re.compile(r"^\d+[smhdwy]$")


def metric_names(query: str) -> set[str]:
    """The metric names a PromQL query reads: its identifiers, less functions (followed by a
    parenthesis), keywords, label names (in braces and in by/on/without lists), strings,
    ranges and numbers."""
    rest = re.sub(r'"(?:[^"\\]|\\.)*"', '""', query)
    rest = re.sub(r"\{[^}]*\}", "", rest)
    rest = re.sub(r"\[[^\]]*\]", "", rest)
    rest = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1", rest)
    rest = re.sub(r"(?<![\w:])\d+(\.\d+)?([eE][+-]?\d+|[smhdwy])?(?![\w:])", "", rest)
    names = set()
    for match in re.finditer(r"(?<![\w:.])[A-Za-z_:][\w:]*", rest):
        following = rest[match.end() :].lstrip()[:1]
        if following != "(" and match.group() not in _KEYWORDS:
            names.add(match.group())
    return names


def _queries() -> list[tuple[str, str]]:
    """(where, PromQL) for every query of the dashboard and every rule."""
    found = []
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        for target in panel.get("targets", []):
            found.append((f"panel {panel['title']!r}", target["expr"]))
    for group in documents(RULES)[0]["groups"]:
        for rule in group["rules"]:
            found.append((f"rule {rule['alert']}", rule["expr"]))
    return found


@pytest.fixture(scope="module")
def exported(template_database):
    """Every name in a scrape of the bridge after a paper day traded on a fresh database."""
    import uuid  # noqa: PLC0415

    import psycopg  # noqa: PLC0415
    from sqlalchemy.engine import make_url  # noqa: PLC0415
    from sqlalchemy.orm import sessionmaker  # noqa: PLC0415

    from bridge_api.db.roles import app_engine  # noqa: PLC0415

    template, admin = template_database
    name = f"saras_obs_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template).database}"')
    engine = app_engine(make_url(template).set(database=name))
    try:
        sessions = sessionmaker(engine, expire_on_commit=False)
        trade_a_day(sessions)
        yield sample_names(scrape(sessions, "/healthz", "/no/such/page"))
    finally:
        engine.dispose()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_the_dashboard_is_grafana_json_with_unique_panels():
    dashboard = json.loads(DASHBOARD.read_text())

    assert dashboard["uid"] == "saras-operations"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert all(p.get("targets") for p in dashboard["panels"] if p["type"] != "row")
    for panel in dashboard["panels"]:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"])


def test_the_alert_rules_parse_with_every_required_field():
    (rules,) = documents(RULES)
    names = []
    for group in rules["groups"]:
        assert group["name"]
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
            names.append(rule["alert"])
            assert rule["labels"]["severity"] in ("info", "warning", "critical")
            assert rule["annotations"]["summary"]
            assert _DURATION.match(rule.get("for", "0s")), rule
            assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]
    assert len(names) == len(set(names))


def test_prometheus_loads_the_rules_and_scrapes_the_bridge_and_the_engines():
    (config,) = documents(DEPLOY / "prometheus" / "prometheus.yml")
    (pattern,) = config["rule_files"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}

    assert pattern == "/etc/prometheus/rules/*.yml"
    assert RULES.parent.name == "rules"
    assert set(jobs) == {"saras-api", "saras-engine"}
    assert jobs["saras-engine"]["static_configs"][0]["targets"] == [
        "engine:9108",
        "engine-standby:9108",
    ]


def test_the_metric_name_reader_sees_through_promql():
    query = (
        'histogram_quantile(0.95, sum by (le, route) (rate(a_b_bucket{x="y z"}[5m]))) '
        "/ on() group_left c offset 1h > 1e-9"
    )

    assert metric_names(query) == {"a_b_bucket", "c"}


def test_every_query_names_only_metrics_saras_exports(exported):
    assert "saras_orders_total" in exported  # the scrape saw the engine's counters
    for where, query in _queries():
        names = metric_names(query)
        assert names, (where, query)
        unknown = names - exported - PROMETHEUS_OWN
        assert not unknown, (where, unknown)
