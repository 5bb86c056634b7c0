"""Small DuckDB helpers for the catalogue's data sets: their tables and bulk rows (demo data, tests)."""
import csv
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

NULL = r"\N"


def insert_rows(con, table: str, rows: Iterable[Sequence]) -> int:
    """Append rows (in the table's column order) through a CSV file: DuckDB binds parameters slowly in bulk."""
    described = con.execute(f"DESCRIBE {table}").fetchall()
    columns = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind, *_ in described) + "}"
    count = 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            for row in rows:
                writer.writerow([NULL if v is None else v for v in row])
                count += 1
        if count:
            con.execute(f"INSERT INTO {table} SELECT * FROM read_csv(?, header = false, nullstr = '{NULL}', "
                        f"auto_detect = false, columns = {columns})", [str(path)])
    return count


def create_tables(con, codes: Iterable[str] | None = None) -> list[str]:
    """Create (or replace) the ``ds_<code>`` tables of catalogue data sets in a DuckDB connection."""
    from qingshan.datasets.catalog import COLUMN_TYPES, table_name

    from . import dataset_specs

    specs = dataset_specs()
    created = []
    for code in codes if codes is not None else specs:
        columns = ", ".join(f'"{c["name"]}" {COLUMN_TYPES[c["type"]]}' for c in specs[code]["columns"])
        con.execute(f'CREATE OR REPLACE TABLE "{table_name(code)}" ({columns})')
        created.append(code)
    return created
