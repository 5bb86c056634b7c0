"""Compile a validated spec into one portable SELECT (a SQLGlot AST) returning the offending rows.

Every kind emits the same portable subset on purpose: ``NOT EXISTS`` for anti-joins (``NOT IN`` finds nothing
once the other list holds a NULL), durations as epoch-second differences (dialects' minute DATEDIFFs count
boundaries differently), window functions in subqueries (no ``QUALIFY``), listed GROUP BY columns (no
``GROUP BY ALL``), no ``ASOF JOIN``, geometry as plain arithmetic (no spatial extension), all identifiers quoted.

One builder per kind (a module of this package each), on a shared base (``base.ModelBuilder``): sources, columns,
expressions, bound parameters and the common output projection (subject, label, location, evidence).
"""

from collections.abc import Mapping

from qingshan.datasets.catalog import DatasetInfo

from ..spec import ModelSpec, parse_spec
from .aggregate import AggregateBuilder
from .base import DIALECTS, RESERVED, SUBJECT_SEPARATOR, CompiledModel, ModelBuilder, subject_key_expr
from .custom_sql import CustomSqlBuilder
from .duplicate import DuplicateBuilder
from .dwell import DwellBuilder
from .mismatch import MismatchBuilder
from .missing_in_other import MissingInOtherBuilder
from .route_deviation import RouteDeviationBuilder
from .threshold import ThresholdBuilder
from .time_gap import TimeGapBuilder

__all__ = ["DIALECTS", "RESERVED", "SUBJECT_SEPARATOR", "BUILDERS", "CompiledModel", "compile_model",
           "subject_key_expr"]

BUILDERS: dict[str, type[ModelBuilder]] = {
    "threshold": ThresholdBuilder,
    "missing_in_other": MissingInOtherBuilder,
    "mismatch": MismatchBuilder,
    "duplicate": DuplicateBuilder,
    "time_gap": TimeGapBuilder,
    "route_deviation": RouteDeviationBuilder,
    "dwell": DwellBuilder,
    "aggregate": AggregateBuilder,
    "custom_sql": CustomSqlBuilder,
}


def compile_model(spec: ModelSpec | str | Mapping, catalog: Mapping[str, DatasetInfo]) -> CompiledModel:
    """Compile a spec (or its text) against the catalogue of data sets; raise SpecError if it cannot run."""
    if not isinstance(spec, ModelSpec):
        spec = parse_spec(spec)
    return BUILDERS[spec.kind](spec, catalog).build()
