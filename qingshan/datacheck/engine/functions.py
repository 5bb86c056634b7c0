"""The registry of functions a model expression may call, each expanded into portable SQL (a SQLGlot AST).

A builder receives the already-validated argument expressions and returns an expression that DuckDB, Spark and
PostgreSQL all evaluate the same way once SQLGlot renders it for their dialect. The standards of the catalogue
(``gb3838_class``, ``hj633_iaqi`` …) register themselves here from ``qingshan.datacheck.catalogue.standards``.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

Builder = Callable[[list[exp.Expression]], exp.Expression]


@dataclass(frozen=True)
class RegisteredFunction:
    """A function a spec may call: its builder and the number of arguments it accepts."""

    name: str
    builder: Builder
    min_args: int
    max_args: int | None
    description: str = ""


_REGISTRY: dict[str, RegisteredFunction] = {}
_CATALOGUE_MODULES = ("qingshan.datacheck.catalogue.standards",)
_loaded = False


def register_function(
    name: str, builder: Builder, *, min_args: int = 0, max_args: int | None = None, description: str = ""
) -> None:
    """Make ``name(...)`` callable in spec expressions; the builder returns portable SQL for validated arguments."""
    key = name.lower()
    if not key.isidentifier() or not key.isascii():
        raise ValueError(f"function name {name!r} is not an identifier")
    _REGISTRY[key] = RegisteredFunction(key, builder, min_args, max_args, description)


def _load_catalogue() -> None:
    # The catalogue registers its standards functions on import; import lazily so the engine has no hard
    # dependency on it (and no import cycle), but every compile sees them.
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in _CATALOGUE_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name is None or not module.startswith(error.name):
                raise


def get_function(name: str) -> RegisteredFunction | None:
    """The registered function of that (case-insensitive) name, or None."""
    _load_catalogue()
    return _REGISTRY.get(name.lower())


def registered_functions() -> dict[str, RegisteredFunction]:
    """Every registered function by name (for the spec editor's help)."""
    _load_catalogue()
    return dict(_REGISTRY)


# --- portable building blocks -----------------------------------------------------------------------------

EARTH_RADIUS_M = 6371008.8


def epoch_seconds(value: exp.Expression) -> exp.Expression:
    """Seconds since the epoch of a local timestamp: EPOCH (DuckDB), UNIX_TIMESTAMP (Spark), DATE_PART (PG).

    Only differences of these are meaningful across engines (each reads the zone-less timestamp in its own way),
    so the compiler uses them for durations only.
    """
    # Whole seconds as BIGINT: Spark's UNIX_TIMESTAMP drops fractions, DuckDB/PostgreSQL return DOUBLE.
    return exp.cast(exp.Floor(this=exp.TimeToUnix(this=value)), exp.DataType.build("BIGINT"))


def seconds_between(start: exp.Expression, end: exp.Expression) -> exp.Expression:
    """``end - start`` in seconds, as epoch arithmetic (never a dialect's minute/second DATEDIFF)."""
    return exp.paren(exp.Sub(this=epoch_seconds(end), expression=epoch_seconds(start)), copy=False)


def days_between(start: exp.Expression, end: exp.Expression) -> exp.Expression:
    """Calendar days from ``start``'s date to ``end``'s date (whole days, negative when ``end`` is earlier).

    ``DATE_DIFF('DAY', …)`` (DuckDB), ``DATEDIFF(end, start)`` (Spark), the epoch difference of the two midnights
    over 86,400 (PostgreSQL): the same integer everywhere, cheaper than ``seconds_between`` on DATE columns, and a
    comparison of it with zero is a comparison of the dates (``ThresholdBuilder`` compiles it so).
    """
    date = exp.DataType.build("DATE")
    return exp.DateDiff(this=exp.cast(end, date), expression=exp.cast(start, date))


def _num(value: float | int | str) -> exp.Expression:
    return exp.Literal.number(value)


def distance_m(lng1: exp.Expression, lat1: exp.Expression, lng2: exp.Expression, lat2: exp.Expression):
    """Equirectangular distance in metres between two WGS-84 points (good to <0.1 % over a few kilometres)."""
    mean_lat = exp.paren(exp.Div(this=exp.paren(exp.Add(this=lat1.copy(), expression=lat2.copy())), expression=_num(2)))
    dx = exp.Mul(
        this=exp.func("RADIANS", exp.paren(exp.Sub(this=lng2.copy(), expression=lng1.copy()))),
        expression=exp.func("COS", exp.func("RADIANS", mean_lat)),
    )
    dy = exp.func("RADIANS", exp.paren(exp.Sub(this=lat2.copy(), expression=lat1.copy())))
    squares = exp.Add(
        this=exp.Mul(this=exp.paren(dx.copy()), expression=exp.paren(dx)),
        expression=exp.Mul(this=dy.copy(), expression=dy),
    )
    return exp.Mul(this=_num(EARTH_RADIUS_M), expression=exp.func("SQRT", squares))


def _cast_double(value: exp.Expression) -> exp.Expression:
    return exp.cast(value, exp.DataType.build("DOUBLE"))


register_function(
    "seconds_between",
    lambda a: seconds_between(a[0], a[1]),
    min_args=2,
    max_args=2,
    description="seconds_between(开始时间, 结束时间)：两时刻相差的秒数",
)
register_function(
    "minutes_between",
    lambda a: exp.Div(this=_cast_double(seconds_between(a[0], a[1])), expression=_num(60)),
    min_args=2,
    max_args=2,
    description="minutes_between(开始时间, 结束时间)：两时刻相差的分钟数（可带小数）",
)
register_function(
    "days_between",
    lambda a: days_between(a[0], a[1]),
    min_args=2,
    max_args=2,
    description="days_between(开始日期, 结束日期)：两日期相差的天数（按日历日计，结束早于开始时为负）",
)
register_function(
    "distance_m",
    lambda a: distance_m(*a),
    min_args=4,
    max_args=4,
    description="distance_m(经度1, 纬度1, 经度2, 纬度2)：两点间距离（米，等距圆柱近似）",
)
