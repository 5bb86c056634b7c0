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
from functools import partial
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse

from qingshan.access.instruments import visible_accountability, visible_instruments
from qingshan.core.overview import ConditionCount, ConditionRate, Scope, counts_by_district
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


# ---------------------------------------------------------------- instruments


def _instrument_counts(scope: Scope) -> dict[str, dict[str, int]]:
    if "instruments" not in scope.memo:
        instruments = visible_instruments(scope.user)
        if (path := _region_path(scope)) is not None:
            instruments = instruments.filter(recipient__region__path__startswith=path)
        scope.memo["instruments"] = counts_by_district(instruments, {
            name: Count("pk", filter=CONDITIONS[name][0]) for name in INSTRUMENT_CONDITIONS}, "recipient__region__path")
    return scope.memo["instruments"]


def _instrument_list(scope: Scope, region_id: int | None, condition: str) -> str:
    return _url("instruments:list", scope, region_id, {"kpi": condition})


InstrumentCount = partial(ConditionCount, counts=_instrument_counts, list_of=_instrument_list, higher_is_better=True)
InstrumentRate = partial(ConditionRate, counts=_instrument_counts, list_of=_instrument_list)


# ---------------------------------------------------------------- accountability


def _accountability_counts(scope: Scope) -> dict[str, dict[str, int]]:
    if "accountability" not in scope.memo:
        records = visible_accountability(scope.user)
        if (path := _region_path(scope)) is not None:
            records = records.filter(region_path__startswith=path)
        aggregates = {"all": Sum("person_count")} | {
            form: Sum("person_count", filter=Q(form=form)) for form in Form.values}
        scope.memo["accountability"] = counts_by_district(records, aggregates)
    return scope.memo["accountability"]


def _accountability_list(scope: Scope, region_id: int | None, form: str) -> str:
    return _url("instruments:accountability", scope, region_id, {} if form == "all" else {"form": form})


# 问责人次, in all (the condition "all") or of one form.
PersonCount = partial(ConditionCount, counts=_accountability_counts, list_of=_accountability_list)


MEASURES = [
    InstrumentCount("ins_issued", "印发文书", "issued", order=300),
    InstrumentRate("ins_replied_on_time_rate", "文书按期回复率", "replied_on_time", "replied", order=310),
    InstrumentRate("ins_rectified_rate", "文书整改到位率", "rectified", "assessed", order=320),
    PersonCount("acc_persons", "问责人次", "all", order=400),
    *(PersonCount(f"acc_persons_{value}", f"{label}人次", value, order=401 + i)
      for i, (value, label) in enumerate(Form.choices)),
]
