"""Who sees what of the supervision lists, as a matrix: role × object. Guessed ids answer 404."""
import pytest

from qingshan.access import supervision as access
from qingshan.core.errors import NotFound
from qingshan.supervision import services
from qingshan.supervision.models import Rectification

from .conftest import submit

# Every role of the test world: plan, task, item, own-group slot, district slot, rectification (of the group's slot).
MATRIX = {
    "officer": (True, True, True, True, True, True),  # office in charge, in the commission's jurisdiction
    "office_head": (True, True, True, True, True, True),
    "leader": (True, True, True, True, True, True),
    "readonly": (True, True, True, True, True, True),
    "xinfang": (True, True, True, True, True, True),  # commission staff: the jurisdiction
    "group_staff": (False, False, True, True, False, True),  # its own slots only
    "group_head": (False, False, True, True, False, True),
    "district_staff": (False, False, True, False, True, False),
    "group2_staff": (False, False, False, False, False, False),  # a group not assigned
    "eco_handler": (False, False, False, False, False, False),  # a responsible unit sees none of it
    "eco_head": (False, False, False, False, False, False),
    "partner_staff": (False, False, False, False, False, False),
    "outsider": (False, False, False, False, False, False),
}


@pytest.mark.parametrize("username", MATRIX)
def test_visibility_matrix(sw, username):
    w = sw
    submit(w, rectifications=[{"title": "封堵排口", "measures": "封堵", "responsible_unit": w.eco,
                               "deadline": w.slot.due_date}])
    entry = Rectification.objects.get()
    user = getattr(w, username)
    seen = (
        access.visible_plans(user).filter(pk=w.plan.pk).exists(),
        access.visible_tasks(user).filter(pk=w.task.pk).exists(),
        access.visible_items(user).filter(pk=w.item.pk).exists(),
        access.visible_slots(user).filter(pk=w.slot.pk).exists(),
        access.visible_slots(user).filter(pk=w.district_slot.pk).exists(),
        access.visible_rectifications(user).filter(pk=entry.pk).exists(),
    )
    assert seen == MATRIX[username]


def test_assignee_sees_only_its_own_slots(sw):
    w = sw
    assert set(access.visible_slots(w.group_staff).values_list("org_id", flat=True)) == {w.group.pk}
    assert set(access.visible_slots(w.district_staff).values_list("org_id", flat=True)) == {w.lvshui_commission.pk}
    assert access.visible_slots(w.officer).count() == 12


def test_guessed_ids_are_not_found(sw):
    w = sw
    for fetch, pk in ((access.access_slot, w.district_slot.pk), (access.access_item, w.item.pk),
                      (access.access_plan, w.plan.pk), (access.access_task, w.task.pk),
                      (access.access_slot, 999_999), (access.access_slot, "abc")):
        with pytest.raises(NotFound):
            fetch(w.group2_staff if fetch is not access.access_slot or pk != w.district_slot.pk else w.group_staff,
                  pk)


def test_district_commission_of_another_plan_does_not_see_the_city_items(sw):
    w = sw
    item = services.item_create(actor=w.officer, plan=w.plan, title="仅派驻组", content="x", office=w.office,
                                period_start=w.item.period_start, period_end=w.item.period_end)
    services.item_assign(actor=w.officer, item=item, orgs=[w.group])
    assert not access.visible_items(w.district_staff).filter(pk=item.pk).exists()
    assert access.visible_items(w.group_staff).filter(pk=item.pk).exists()
