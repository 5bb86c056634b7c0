"""The demo's catalogue data read like real records: nothing is dated after the demo's end day ("today")."""
import datetime as dt
import random

import duckdb
import pytest

from qingshan.demo.catalogue_data import generate

# Dates that lie ahead by nature: a step's due date, a licence's validity.
AHEAD_BY_NATURE = {("ds_problem_steps", "due_on"), ("ds_receiver_licences", "valid_to"),
                   ("ds_waste_licences", "valid_to")}


@pytest.mark.parametrize("end", [dt.date(2026, 12, 3), dt.date(2026, 2, 3), dt.date(2026, 11, 20)])
def test_no_catalogue_record_is_dated_after_the_end_day(end):
    con = duckdb.connect()
    generate(con, rng=random.Random(7), end=end, scale=0.05)
    after = {}
    for table, column in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'DATE' OR data_type LIKE 'TIMESTAMP%'").fetchall():
        latest = con.execute(f'SELECT max(CAST("{column}" AS DATE)) FROM "{table}"').fetchone()[0]
        if latest is not None and latest > end and (table, column) not in AHEAD_BY_NATURE:
            after[(table, column)] = latest
    assert after == {}
