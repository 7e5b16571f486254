"""Shared test settings: hypothesis never fails a test for being slow (timings are not tested)."""

from hypothesis import HealthCheck, settings

pytest_plugins = ["tests.database", "tests.fake_kite", "tests.kills", "tests.log_capture"]

settings.register_profile(
    "saras", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("saras")


def pytest_collection_modifyitems(items: list) -> None:
    """Start the slow tier first, so that in parallel runs no long test is left for the end."""
    items.sort(key=lambda item: item.get_closest_marker("integration") is None)
