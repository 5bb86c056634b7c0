"""The contract between stored data sets and the engines that query them (no Django models here).

A data set with code ``water_readings`` lives in the DuckDB file ``settings.DATASETS_DIR / "datasets.duckdb"`` as the
table (or, for registered external Parquet, the view) ``ds_water_readings``. Codes and column names are lower-case
ASCII identifiers (``IDENTIFIER``), checked before they are ever used, and always quoted by the SQL builder anyway.
"""
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
TABLE_PREFIX = "ds_"
# Logical column types and their DuckDB storage types. Decimals are exact (standards need exact arithmetic).
COLUMN_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(18,6)",
    "double": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",  # local time (Asia/Shanghai), without zone: every engine pins its session zone
    "boolean": "BOOLEAN",
}


@dataclass(frozen=True)
class DatasetInfo:
    """What an engine needs to know of one data set: where its rows are and the type of each column."""

    code: str
    table: str
    columns: Mapping[str, str]  # column name -> logical type (a key of COLUMN_TYPES), in schema order
    label: str = ""
    key: tuple[str, ...] = ()
    subject: tuple[str, ...] = ()
    column_labels: Mapping[str, str] = field(default_factory=dict)


Catalog = Mapping[str, DatasetInfo]  # data-set code -> info


def table_name(code: str) -> str:
    """The DuckDB table of a data set code; refuses anything that is not a plain identifier."""
    if not IDENTIFIER.match(code or ""):
        raise ValueError(f"数据集代码“{code}”不合法：只能使用小写字母、数字和下划线，并以字母开头。")
    return TABLE_PREFIX + code


def duckdb_path() -> Path:
    """The embedded DuckDB file holding every data set."""
    settings.DATASETS_DIR.mkdir(parents=True, exist_ok=True)
    return settings.DATASETS_DIR / "datasets.duckdb"
