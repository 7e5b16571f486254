"""Shared test settings: hypothesis never fails a test for being slow (timings are not tested);
the engines and commands the tests start as processes reuse compiled bytecode."""

import os
import sys

from hypothesis import HealthCheck, settings

pytest_plugins = ["tests.database", "tests.fake_kite", "tests.kills", "tests.log_capture"]

settings.register_profile(
    "saras", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("saras")

# Some machines set PYTHONDONTWRITEBYTECODE, which makes each of the tests' many engine and
# command processes compile all of Saras again; caches go to __pycache__ (git-ignored).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


def pytest_collection_modifyitems(items: list) -> None:
    """Start the slow tier first, so that in parallel runs no long test is left for the end."""
    items.sort(key=lambda item: item.get_closest_marker("integration") is None)
