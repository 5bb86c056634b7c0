"""The pickers' options come grouped (units by district, bodies by kind, people by organisation), searchable."""
import re

import pytest

from qingshan.problems.forms import DispatchForm, RestrictForm
from qingshan.supervision.forms import AssignForm

pytestmark = pytest.mark.django_db


def groups(html: str) -> dict[str, list[str]]:
    return {label: re.findall(r">([^<]+)</option>", body)
            for label, body in re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', html, re.S)}


def test_units_are_grouped_city_first_then_by_district_and_searchable(world):
    form = DispatchForm(actor=world.officer)
    lead, co = str(form["lead_unit"]), str(form["co_units"])
    assert groups(lead) == {"市级": ["市生态环境局", "市水务局"], "绿水区": ["绿水区住建局"],
                            "江岸区": ["江岸区城管局"]}
    assert list(groups(lead)) == ["市级", "绿水区", "江岸区"] and groups(co) == groups(lead)
    assert 'data-picker="search"' in lead and 'data-picker="search"' in co and "multiple" in co
    assert '<option value="" selected>请选择</option>' in lead


def test_a_posted_unit_is_still_checked_against_the_whole_list(world):
    form = DispatchForm(data={"lead_unit": world.partner.pk, "co_units": [world.water.pk]}, actor=world.officer)
    assert not form.is_valid() and "lead_unit" in form.errors
    form = DispatchForm(data={"lead_unit": world.eco.pk, "co_units": [world.water.pk]}, actor=world.officer)
    assert form.is_valid() and form.cleaned_data["lead_unit"] == world.eco


def test_supervising_bodies_are_grouped_by_kind_and_people_by_organisation(world):
    assign = groups(str(AssignForm(commission=world.commission)["orgs"]))
    assert {"驻市生态环境局纪检监察组"} <= set(assign.get("派驻纪检监察组", []))
    assert "绿水区纪委监委" in assign.get("纪委监委", [])
    people = groups(str(RestrictForm(actor=world.officer)["users"]))
    assert "李监督" in people["第一监督检查室"] and "孙经办" in people["市生态环境局"]
    assert "无角色" in people["其他人员"]  # a person without a membership is still listed


def test_the_problem_lists_unit_filter_is_grouped_by_district_with_all_and_none_first(client, world):
    from django.urls import reverse

    client.force_login(world.officer)
    page = client.get(reverse("problems:list"), {"lead_unit": world.jiangan_urban.pk}).content.decode()
    select = re.search(r'<select name="lead_unit".*?</select>', page, re.S).group(0)
    assert 'data-picker="search"' in select and 'id="id_lead_unit"' in select
    assert re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', select)[:2] == [("", "全部"),
                                                                                        ("null", "无主办单位")]
    assert list(groups(select)) == ["市级", "绿水区", "江岸区"]
    assert "江岸区城管局" in groups(select)["江岸区"]
    assert re.search(rf'<option value="{world.jiangan_urban.pk}" selected>江岸区城管局</option>', select)


def test_the_ledgers_unit_filters_are_grouped_units_by_district_and_bodies_by_kind(client, world):
    from django.urls import reverse

    client.force_login(world.officer)
    page = client.get(reverse("ledgers:ledger", args=["problems"])).content.decode()
    select = re.search(r'<select name="unit".*?</select>', page, re.S).group(0)
    assert 'data-picker="search"' in select and '<option value="" selected>全部</option>' in select
    assert list(groups(select)) == ["市级", "绿水区", "江岸区"]
    page = client.get(reverse("ledgers:ledger", args=["supervision"])).content.decode()
    bodies = groups(re.search(r'<select name="unit".*?</select>', page, re.S).group(0))
    assert "驻市生态环境局纪检监察组" in bodies["派驻纪检监察组"] and "绿水区纪委监委" in bodies["纪委监委"]
