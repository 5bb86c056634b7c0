"""aggregate peer_robust against a plain Python reference: each row's peers (the others of its group), their
median and median absolute deviation, on random groups with ties, odd and even sizes."""
import random
import statistics
from decimal import Decimal as D

import pytest

from qingshan.datacheck.engine import DuckDBEngine, compile_model, execute

from .conftest import base, write_world


def _reference(rows, k, floor, min_peers):
    hits = {}
    for no, group, fine in rows:
        peers = [float(f) for n, g, f in rows if g == group and n != no]
        if len(peers) < min_peers:
            continue
        median = statistics.median(peers)
        mad = statistics.median(abs(p - median) for p in peers)
        if float(fine) < median - max(k * 1.4826 * mad, floor * abs(median)):
            hits[no] = (len(peers), median, mad)
    return hits


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_leave_one_out_median_and_mad_match_the_reference(seed, tmp_path):
    rng = random.Random(seed)
    rows = []
    for g in range(8):
        size = rng.randrange(2, 14)
        for i in range(size):  # a few values only, so ties are common; a lenient tail now and then
            fine = rng.choice([100, 120, 120, 150, 200, 400]) * (rng.random() < 0.15 and 0.1 or 1)
            rows.append((f"G{g}N{i}", f"V{g}", D(str(fine))))
    catalog = write_world(tmp_path / "w.duckdb", {"fines": (
        {"decision_no": "string", "violation": "string", "fine": "decimal"}, rows)})
    spec = base(code="lenient", kind="aggregate", dataset="fines", subject={"columns": ["decision_no"]},
                aggregate={"mode": "peer_robust", "group_by": ["violation"], "value": "fine", "k": 1,
                           "direction": "low", "min_group_size": 3, "min_relative_deviation": 0.1})
    engine = DuckDBEngine(tmp_path / "w.duckdb", tmp_path / "runs.duckdb")
    try:
        outcome = execute(compile_model(spec, catalog), engine, run_id="robust")
        found = {h.subject_key: (r["peer_count"], r["peer_median"], r["peer_mad"])
                 for h in outcome.iter_subjects() for r in h.sample_rows}
    finally:
        engine.close()
    expected = _reference(rows, 1, 0.1, 3)
    assert len(expected) >= 3 and found == expected
