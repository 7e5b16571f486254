"""The Lean configuration files: valid JSON, the keys Lean and the algorithm expect, and no
secrets (secret fields are empty or placeholders)."""

import json

import pytest
from parameters import DEFAULTS
from sqlalchemy.engine import make_url

from bridge_api.config import REPOSITORY

SECRETS = ("zerodha-api-key", "zerodha-access-token")
ZERODHA = {
    "zerodha-api-key",
    "zerodha-access-token",
    "zerodha-trading-segment",
    "zerodha-product-type",
    "zerodha-history-subscription",
}


def _load(path: str) -> dict:
    return json.loads((REPOSITORY / path).read_text(encoding="utf-8"))


def test_lean_json_points_at_the_data_folder_and_defines_live_zerodha_without_secrets():
    config = _load("lean.json")

    assert config["data-folder"] == "data"
    assert config["algorithm-language"] == "Python"
    live = config["environments"]["live-zerodha"]
    assert live["live-mode"] is True
    assert live["live-mode-brokerage"] == "ZerodhaBrokerage"
    assert live["data-queue-handler"] == ["ZerodhaBrokerage"]
    assert set(live) >= ZERODHA
    assert all(live[key] == "" for key in SECRETS)
    assert (live["zerodha-product-type"], live["zerodha-trading-segment"]) == ("cnc", "equity")


@pytest.mark.parametrize("path", ["lean_config/backtest.json", "lean_config/live-zerodha.json"])
def test_templates_hold_every_parameter_and_only_placeholders_for_secrets(path):
    template = _load(path)

    assert set(template["parameters"]) == set(DEFAULTS)
    assert template["parameters"]["database-url"].startswith("<set by saras lean config")
    for key in SECRETS:
        assert template.get(key, "<set by").startswith("<set by")


def test_the_live_template_leaves_real_money_to_be_switched_on_explicitly():
    template = _load("lean_config/live-zerodha.json")

    assert template["environment"] == "live-zerodha"
    assert set(template) >= ZERODHA
    assert template["parameters"]["real-money"].startswith("<set by")


def test_the_project_config_sets_every_parameter_with_no_password():
    project = _load("algorithms/saras_master/config.json")

    assert project["algorithm-language"] == "Python"
    assert set(project["parameters"]) == set(DEFAULTS)
    assert project["parameters"]["real-money"] == "false"
    assert make_url(project["parameters"]["database-url"]).password is None
