"""The instruments' and accountability measures of 一图总览 (domain §10), declared through the "overview" contract.

Instruments: issued, replied on time (a rate over those replied to), rectified (a rate over those closed with a
result); each is a condition of `kpis.CONDITIONS` counted over the instruments the viewer may see, grouped by the
district of the recipient, and links to the instruments list with the same `kpi` and `region`.
Accountability: 人次 in all and by form, over the records the viewer may see, grouped by the district of the body
that decided (a city body's records count in the total only); each links to the records list with the same `form`
and `region`, whose rows' 人次 add up to the figure.
Both are standing registers: the overview's period of receipt (a problem notion) does not narrow them. One grouped
query per register and page.
"""
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse

from qingshan.access.instruments import visible_accountability, visible_instruments
from qingshan.core.overview import TOTAL, Scope, Value, district_path
from qingshan.orgs.models import Region

from .choices import Form
from .kpis import CONDITIONS

INSTRUMENT_CONDITIONS = ("issued", "replied", "replied_on_time", "assessed", "rectified")


def _region_path(scope: Scope) -> str | None:
    return Region.objects.get(pk=scope.region_id).path if scope.region_id is not None else None


def _url(name: str, scope: Scope, region_id: int | None, query: dict[str, str]) -> str:
    region_id = region_id if region_id is not None else scope.region_id
    if region_id is not None:
        query = {**query, "region": str(region_id)}
    return f"{reverse(name)}?{urlencode(query)}"


def _grouped(queryset, path_field: str, aggregates: dict) -> dict[str, dict[str, int]]:
    rows = queryset.order_by().values(kpi_district=district_path(path_field)).annotate(**aggregates)
    by_path = {row["kpi_district"]: {name: row[name] or 0 for name in aggregates} for row in rows}
    return by_path | {TOTAL: {name: sum(row[name] for row in by_path.values()) for name in aggregates}}


# ---------------------------------------------------------------- instruments


def _instrument_counts(scope: Scope) -> dict[str, dict[str, int]]:
    if "instruments" not in scope.memo:
        instruments = visible_instruments(scope.user)
        if (path := _region_path(scope)) is not None:
            instruments = instruments.filter(recipient__region__path__startswith=path)
        scope.memo["instruments"] = _grouped(instruments, "recipient__region__path", {
            name: Count("pk", filter=CONDITIONS[name][0]) for name in INSTRUMENT_CONDITIONS})
    return scope.memo["instruments"]


@dataclass(frozen=True)
class InstrumentCount:
    key: str
    label: str
    condition: str
    order: int
    higher_is_better: bool = True
    kind: str = "count"

    def by_district(self, scope: Scope) -> dict[str, Value]:
        return {path: Value(row[self.condition]) for path, row in _instrument_counts(scope).items()}

    def list_url(self, scope: Scope, region_id: int | None, part: str = "numerator") -> str | None:
        return _url("instruments:list", scope, region_id, {"kpi": self.condition})


@dataclass(frozen=True)
class InstrumentRate:
    key: str
    label: str
    numerator: str
    denominator: str
    order: int
    higher_is_better: bool = True
    kind: str = "rate"

    def by_district(self, scope: Scope) -> dict[str, Value]:
        return {path: Value(row[self.numerator], row[self.denominator])
                for path, row in _instrument_counts(scope).items()}

    def list_url(self, scope: Scope, region_id: int | None, part: str = "numerator") -> str | None:
        condition = self.numerator if part == "numerator" else self.denominator
        return _url("instruments:list", scope, region_id, {"kpi": condition})


# ---------------------------------------------------------------- accountability


def _accountability_counts(scope: Scope) -> dict[str, dict[str, int]]:
    if "accountability" not in scope.memo:
        records = visible_accountability(scope.user)
        if (path := _region_path(scope)) is not None:
            records = records.filter(region_path__startswith=path)
        aggregates = {"all": Sum("person_count")} | {
            form: Sum("person_count", filter=Q(form=form)) for form in Form.values}
        scope.memo["accountability"] = _grouped(records, "region_path", aggregates)
    return scope.memo["accountability"]


@dataclass(frozen=True)
class PersonCount:
    """问责人次, in all (`form` "all") or of one form."""

    key: str
    label: str
    form: str
    order: int
    higher_is_better: bool = False
    kind: str = "count"

    def by_district(self, scope: Scope) -> dict[str, Value]:
        return {path: Value(row[self.form]) for path, row in _accountability_counts(scope).items()}

    def list_url(self, scope: Scope, region_id: int | None, part: str = "numerator") -> str | None:
        return _url("instruments:accountability", scope, region_id, {} if self.form == "all" else {"form": self.form})


MEASURES = [
    InstrumentCount("ins_issued", "印发文书", "issued", order=300),
    InstrumentRate("ins_replied_on_time_rate", "文书按期回复率", "replied_on_time", "replied", order=310),
    InstrumentRate("ins_rectified_rate", "文书整改到位率", "rectified", "assessed", order=320),
    PersonCount("acc_persons", "问责人次", "all", order=400),
    *(PersonCount(f"acc_persons_{value}", f"{label}人次", value, order=401 + i)
      for i, (value, label) in enumerate(Form.choices)),
]
