"""Query-count baselines, one JSON file per app (`<app>/tests/query_counts.json`), as NetBox keeps them.

A test measures a block with the `assert_query_baseline` fixture (see the root conftest.py):

    with assert_query_baseline("inbox page"):
        client.get(INBOX)

and fails when the block runs more queries than the file allows for (test, label), so an N+1 cannot creep in.
`pytest --update-query-counts` rewrites the files with the counts measured (then review and commit the diff).
One count serves SQLite and PostgreSQL: the statements one database runs and the other does not are not counted
(savepoints of nested atomic blocks, PostgreSQL's advisory lock before each audit append, whose INSERT is counted);
an N+1 never hides in them.
"""
import json
from contextlib import contextmanager
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

FILE_NAME = "query_counts.json"
UPDATE_OPTION = "--update-query-counts"
_BOOKKEEPING = ("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ", "SELECT PG_ADVISORY_XACT_LOCK(")


def counted(captured: list[dict]) -> list[str]:
    """The statements that count against a baseline (one database's bookkeeping left out)."""
    return [q["sql"] for q in captured if not q["sql"].lstrip().upper().startswith(_BOOKKEEPING)]


class QueryBaselines:
    """The baselines of one test session: read lazily per file, rewritten at the end when updating."""

    def __init__(self, *, update: bool):
        self.update = update
        self._files: dict[Path, dict] = {}
        self._measured: dict[Path, dict[str, dict[str, int]]] = {}

    def _baselines(self, path: Path) -> dict:
        if path not in self._files:
            self._files[path] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return self._files[path]

    def check(self, *, path: Path, test: str, label: str, statements: list[str]) -> None:
        """Record the count when updating; otherwise fail if it exceeds the baseline (or there is none)."""
        count = len(statements)
        if self.update:
            labels = self._measured.setdefault(path, {}).setdefault(test, {})
            labels[label] = max(count, labels.get(label, 0))
            return
        baseline = self._baselines(path).get(test, {}).get(label)
        where = f"{test} / {label!r} in {path}"
        hint = f"If this is intended, run `pytest {UPDATE_OPTION}` on the test and commit the file."
        if baseline is None:
            raise AssertionError(f"No query-count baseline for {where}. {hint}")
        if count > baseline:
            listing = "\n".join(f"{n}. {sql}" for n, sql in enumerate(statements, 1))
            raise AssertionError(f"{count} queries where the baseline allows {baseline} ({where}). An N+1? "
                                 f"{hint}\nQueries:\n{listing}")

    def save(self) -> None:
        """Merge what this session measured into the files (tests that did not run keep their baselines)."""
        for path, measured in self._measured.items():
            baselines = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
            for test, labels in measured.items():
                baselines[test] = {**baselines.get(test, {}), **labels}
            path.write_text(json.dumps(baselines, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                            encoding="utf-8")

    def checker(self, node):
        """The `assert_query_baseline(label)` context manager of one test (its node)."""
        path = Path(str(node.path)).parent / FILE_NAME
        test = node.nodeid.rsplit("/", 1)[-1]  # "test_views.py::test_name[param]"

        @contextmanager
        def assert_query_baseline(label: str):
            with CaptureQueriesContext(connection) as context:
                yield context
            self.check(path=path, test=test, label=label, statements=counted(context.captured_queries))

        return assert_query_baseline
