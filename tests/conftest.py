"""Shared test settings: hypothesis never fails a test for being slow (timings are not tested);
the engines and commands the tests start as processes reuse compiled bytecode."""

import os
import shutil
import sys
import tempfile

import pytest
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


def pytest_configure(config: pytest.Config) -> None:
    """A temporary folder of this run's own (unless --basetemp names one): pytest's shared
    default keeps only the newest three runs, so a run started beside another could delete
    the older run's embedded databases under it."""
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        config.option.basetemp = tempfile.mkdtemp(prefix="saras-pytest-")
        config.stash[_OWN_BASETEMP] = config.option.basetemp


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the run's own folder once every worker, and its database server, has ended."""
    own = config.stash.get(_OWN_BASETEMP, None)
    if own is not None:
        shutil.rmtree(own, ignore_errors=True)


_OWN_BASETEMP = pytest.StashKey[str]()
