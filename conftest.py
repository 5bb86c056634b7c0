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


def pytest_addoption(parser):
    from qingshan.core.testing.queries import UPDATE_OPTION

    parser.addoption(UPDATE_OPTION, action="store_true",
                     help="rewrite each app's tests/query_counts.json with the query counts measured")


@pytest.fixture(scope="session")
def _query_baselines(request):
    from qingshan.core.testing.queries import UPDATE_OPTION, QueryBaselines

    baselines = QueryBaselines(update=request.config.getoption(UPDATE_OPTION))
    yield baselines
    baselines.save()


@pytest.fixture
def assert_query_baseline(request, _query_baselines):
    """`with assert_query_baseline("label"):` fails if the block runs more queries than the app's baseline file."""
    return _query_baselines.checker(request.node)


@pytest.fixture(autouse=True)
def _own_audit_anchor(settings, tmp_path_factory):
    # Each test has its own checkpoint file: a test that commits must not leave a checkpoint another test reads.
    settings.AUDIT_ANCHOR_PATH = tmp_path_factory.mktemp("anchor") / "audit-anchor"
