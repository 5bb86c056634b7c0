"""The query-count baselines: a count above the file's fails and says how to update; updating rewrites the file."""
import json

import pytest

from qingshan.core.testing.queries import QueryBaselines, counted


def _check(baselines, path, count):
    baselines.check(path=path, test="test_views.py::test_page", label="list page",
                    statements=[f"SELECT {n}" for n in range(count)])


def test_a_count_above_the_baseline_fails_and_says_how_to_update(tmp_path):
    path = tmp_path / "query_counts.json"
    path.write_text(json.dumps({"test_views.py::test_page": {"list page": 3}}))
    _check(QueryBaselines(update=False), path, 3)
    _check(QueryBaselines(update=False), path, 2)
    with pytest.raises(AssertionError, match=r"4 queries where the baseline allows 3 .*--update-query-counts"):
        _check(QueryBaselines(update=False), path, 4)


def test_a_missing_baseline_fails(tmp_path):
    with pytest.raises(AssertionError, match="No query-count baseline for test_views.py::test_page / 'list page'"):
        _check(QueryBaselines(update=False), tmp_path / "query_counts.json", 1)


def test_updating_rewrites_what_ran_and_keeps_the_rest(tmp_path):
    path = tmp_path / "query_counts.json"
    path.write_text(json.dumps({"test_views.py::test_page": {"list page": 9}, "test_other.py::test_x": {"a": 1}}))
    baselines = QueryBaselines(update=True)
    _check(baselines, path, 4)
    _check(baselines, path, 5)  # measured twice in one test: the larger count
    baselines.save()
    assert json.loads(path.read_text()) == {"test_views.py::test_page": {"list page": 5},
                                            "test_other.py::test_x": {"a": 1}}


def test_bookkeeping_of_one_database_is_not_counted():
    captured = [{"sql": "SAVEPOINT \"s1\""}, {"sql": "SELECT 1"}, {"sql": "RELEASE SAVEPOINT \"s1\""},
                {"sql": "SELECT pg_advisory_xact_lock(72011301)"}, {"sql": "ROLLBACK TO SAVEPOINT \"s2\""}]
    assert counted(captured) == ["SELECT 1"]
