"""The instruments' and accountability measures of 一图总览: each figure, in the whole scope and in each district,
equals what its list shows (instruments: the number of rows; accountability: the 人次 of its rows added up)."""
from urllib.parse import urlsplit

from django.http import QueryDict
from django.utils import timezone

from qingshan.core.overview import TOTAL, Scope
from qingshan.core.registry import declared
from qingshan.instruments import selectors, services
from qingshan.instruments.choices import Form, State
from qingshan.instruments.overview import MEASURES
from qingshan.instruments.testing.flows import drive_to

PERSON = {"post": "科长", "organisation_name": "某局", "rank": "section"}


def _records(w):
    def record(actor, form, names):
        services.accountability_create(actor=actor, form=form, decided_on=timezone.localdate(), summary="问责。",
                                       persons=[{"name": n, **PERSON} for n in names])
    record(w.officer, Form.INTERVIEW, ["甲", "乙"])  # the city commission: the total only
    record(w.officer, Form.ADMONITION, ["丙"])
    record(w.district_staff, Form.INTERVIEW, ["丁", "戊", "己"])  # 绿水区纪委监委: 绿水区


def _listed(user, url: str, measure) -> int:
    params = QueryDict(urlsplit(url).query)
    if measure.key.startswith("acc_"):
        return sum(r.person_count for r in selectors.accountability_list(user=user, params=params))
    return selectors.instrument_list(user=user, params=params).count()


def test_every_figure_equals_its_list_in_the_whole_scope_and_each_district(world):
    w = world
    drive_to(w, State.CLOSED)  # 市生态环境局 (city level): issued, replied on time, rectified
    drive_to(w, State.REPLIED)
    drive_to(w, State.ISSUED, recipient=w.jiangan_urban)  # 江岸区: issued, awaiting its reply
    drive_to(w, State.DRAFT)  # not issued: counts nowhere
    _records(w)
    scope = Scope(user=w.leader, received_from=None, received_to=None, as_of=timezone.localdate())
    for measure in MEASURES:
        values = measure.by_district(scope)
        for path, region_id in ((TOTAL, None), (w.lvshui.path, w.lvshui.pk), (w.jiangan.path, w.jiangan.pk)):
            value = values.get(path)
            assert _listed(w.leader, measure.list_url(scope, region_id), measure) == (
                value.numerator if value else 0), (measure.key, path)
            if measure.kind == "rate":
                assert _listed(w.leader, measure.list_url(scope, region_id, "denominator"), measure) == (
                    value.denominator if value else 0), (measure.key, path)
    total = {m.key: m.by_district(scope)[TOTAL] for m in MEASURES}
    assert total["ins_issued"].numerator == 3
    assert (total["ins_replied_on_time_rate"].numerator, total["ins_replied_on_time_rate"].denominator) == (2, 2)
    assert (total["ins_rectified_rate"].numerator, total["ins_rectified_rate"].denominator) == (1, 1)
    assert (total["acc_persons"].numerator, total[f"acc_persons_{Form.INTERVIEW}"].numerator) == (6, 5)
    by_lvshui = next(m for m in MEASURES if m.key == "acc_persons").by_district(scope)[w.lvshui.path]
    assert by_lvshui.numerator == 3
    jiangan = next(m for m in MEASURES if m.key == "ins_issued").by_district(scope)[w.jiangan.path]
    assert jiangan.numerator == 1


def test_a_district_commission_counts_its_own_records_and_a_unit_nothing(world):
    w = world
    _records(w)
    drive_to(w, State.ISSUED)
    own = Scope(user=w.district_staff, received_from=None, received_to=None, as_of=timezone.localdate())
    persons = next(m for m in MEASURES if m.key == "acc_persons")
    assert persons.by_district(own)[TOTAL].numerator == 3
    unit = Scope(user=w.eco_handler, received_from=None, received_to=None, as_of=timezone.localdate())
    assert persons.by_district(unit)[TOTAL].numerator == 0  # accountability is the supervising side's only


def test_the_measures_are_declared_through_the_registry(world):
    assert {m.key for m in MEASURES} <= {m.key for m in declared("overview", "MEASURES")}
