"""What /healthz asks of the data sets: is their DuckDB file readable? (No data is read.)"""
import os

from .catalog import duckdb_path


def duckdb_file() -> dict:
    path = duckdb_path()
    if not path.exists():
        return {"status": "ok", "note": "no data sets yet"}
    return {"status": "ok"} if os.access(path, os.R_OK) else {"status": "error"}


HEALTH_CHECKS = [("duckdb", duckdb_file)]
