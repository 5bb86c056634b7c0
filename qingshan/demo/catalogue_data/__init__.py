"""The demo city's data for every catalogue model, with planted anomalies whose number per model is returned.

``generate(target, *, rng, end, scale=1.0)`` builds every catalogue data set in DuckDB: the big tables (water
readings, daily air readings, GPS tracks, subsidy rolls, problem steps) with ``range()`` and hash-based pseudo-random
numbers seeded from ``rng`` (deterministic, no Python loop per row), the small reference tables from Python.
Base data is clean by construction (e.g. every clean water value is class Ⅰ, every trip stays on its corridor and
keeps moving, every (firm, violation) pair occurs once); each planted anomaly is made to hit exactly one model
subject, so the returned counts are what each model must find.

``target`` is either a DuckDB connection (the ``ds_<code>`` tables are created in it) or a callable
``loader(code, relation)`` that stores one data set from a DuckDB relation — e.g. ``django_loader()``, which goes
through ``qingshan.datasets.services.dataset_load_rows``.

One module per domain §9 group builds its data sets: `environment` (water, air), `transport`, `subsidy` and
`duties` (penalties, indicators, problem steps), on the shared `base.Build`. It sits in the demo app because it
builds on the demo city's districts; the catalogue itself (`qingshan.datacheck.catalogue`) never imports it.
"""
import datetime as dt
import random
from collections.abc import Callable

import duckdb

from qingshan.datacheck.catalogue import dataset_schema_files, dataset_specs
from qingshan.datacheck.catalogue.duck import create_tables

from .base import Build, PlantedCounts
from .duties import indicators, penalties, steps
from .environment import air, water
from .subsidy import subsidy
from .transport import transport
from .waste import waste

__all__ = ["PlantedCounts", "django_loader", "generate"]


def generate(target, *, rng: random.Random, end: dt.date, scale: float = 1.0) -> PlantedCounts:
    """Build every catalogue data set with planted anomalies; return model code -> expected subject count."""
    loader: Callable | None = None
    if isinstance(target, duckdb.DuckDBPyConnection):
        con = target
    else:
        loader, con = target, duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    create_tables(con)
    gen = Build(con, rng, end, scale)
    for step in (water, air, transport, subsidy, penalties, indicators, steps, waste):
        step(gen)
    for code in dataset_specs():
        gen.planted.rows[code] = con.execute(f'SELECT count(*) FROM "ds_{code}"').fetchone()[0]
        if loader is not None:
            loader(code, con.table(f"ds_{code}"))
    if loader is not None:
        con.close()
    return gen.planted

def django_loader(*, actor=None) -> Callable:
    """A loader that defines the catalogue's data sets and replaces each one's rows through the datasets app."""
    from qingshan.datasets.choices import ImportMode
    from qingshan.datasets.services import dataset_load_rows, sync_schema_files

    datasets = {d.code: d for d in sync_schema_files(dataset_schema_files(), actor=actor)}

    def load(code: str, relation) -> None:
        if not relation.limit(1).fetchall():
            return  # an import needs rows; the data set stays defined and empty
        dataset_load_rows(actor=actor, dataset=datasets[code], relation=relation, mode=ImportMode.REPLACE)

    return load
