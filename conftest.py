"""Fixtures shared by the whole suite."""
import pytest

from qingshan.workdays.calendar import reset_cache


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # The holiday table is cached per process; a rolled-back test must not leave its rows in the cache.
    reset_cache()
    yield
    reset_cache()


@pytest.fixture
def world(db):
    from qingshan.core.testing.world import build_world

    return build_world()


@pytest.fixture(autouse=True)
def _own_audit_anchor(settings, tmp_path_factory):
    # Each test has its own checkpoint file: a test that commits must not leave a checkpoint another test reads.
    settings.AUDIT_ANCHOR_PATH = tmp_path_factory.mktemp("anchor") / "audit-anchor"
