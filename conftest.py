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
    from qingshan.problems.testing.world import build_world

    return build_world()
