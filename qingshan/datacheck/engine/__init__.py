"""The data-check engine: model specs compiled to portable SQL and run on DuckDB, Spark or PostgreSQL.

A pure library (no Django models): see README.md in this package for the contract.
"""

from .compiler import CompiledModel, compile_model
from .engines import DuckDBEngine, Engine, PostgresEngine, RunOutcome, SparkEngine, SubjectHit, execute, get_engine
from .functions import register_function
from .spec import KIND_LABELS, KINDS, ModelSpec, SpecError, parse_spec

__all__ = [
    "KINDS",
    "KIND_LABELS",
    "CompiledModel",
    "DuckDBEngine",
    "Engine",
    "ModelSpec",
    "PostgresEngine",
    "RunOutcome",
    "SparkEngine",
    "SpecError",
    "SubjectHit",
    "compile_model",
    "execute",
    "get_engine",
    "parse_spec",
    "register_function",
]
