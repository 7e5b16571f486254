"""Shared test settings: hypothesis never fails a test for being slow (timings are not tested)."""

from hypothesis import HealthCheck, settings

pytest_plugins = ["tests.database", "tests.fake_kite", "tests.log_capture"]

settings.register_profile(
    "saras", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("saras")
