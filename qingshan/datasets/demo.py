"""Demo part of the data sets: register the catalogue's data-set schemas (the rows come from datacheck's demo).

Kept light on purpose: the comparison-model catalogue generates its own demo rows with planted anomalies and loads
them through `services.dataset_load_rows`, after this part has created the (empty) tables.
"""
import importlib
import importlib.util

from .services import sync_schema_files

CATALOGUE = "qingshan.datacheck.catalogue"


def schema_files() -> list:
    """The catalogue's data-set schema files, if the catalogue is installed."""
    if importlib.util.find_spec(CATALOGUE) is None:
        return []
    catalogue = importlib.import_module(CATALOGUE)
    return list(getattr(catalogue, "dataset_schema_files", list)())


def seed(*, city, rng, end, stdout) -> str:
    """Define every catalogue data set (idempotent: an unchanged schema is left as it is)."""
    datasets = sync_schema_files(schema_files())
    return f"数据集：已登记 {len(datasets)} 个数据集结构（数据由数据比对演示数据生成）。"
