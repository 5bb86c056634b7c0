"""The commission an organisation acts in the name of, as every former variant decided it, in one place."""
import pytest

from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation, commission_of

pytestmark = pytest.mark.django_db


def test_a_commission_acts_in_its_own_name(world):
    assert commission_of(world.commission) == world.commission
    assert world.commission.commission == world.commission


def test_an_office_acts_for_its_commission(world):
    assert commission_of(world.office) == world.commission
    assert commission_of(world.xinfang_office) == world.commission
    assert world.office.commission == world.commission


def test_a_stationed_group_acts_for_the_commission_that_sent_it_only_when_asked(world):
    # Jurisdiction by commission (problems, reminders, data checks) leaves a group to its supervised units; data
    # sets are shared with the commission that sent the group.
    assert commission_of(world.group) is None
    assert commission_of(world.group, through_stationed_group=True) == world.commission


def test_a_district_commission_is_its_own_commission(world):
    assert commission_of(world.lvshui_commission) == world.lvshui_commission
    assert commission_of(world.lvshui_commission, through_stationed_group=True) == world.lvshui_commission


def test_units_partners_and_an_office_outside_a_commission_have_none(world):
    assert commission_of(world.eco) is None
    assert commission_of(world.partner, through_stationed_group=True) is None
    stray = Organisation.objects.create(name="挂靠部室", kind=OrgKind.OFFICE, region=world.city, parent=world.eco)
    assert commission_of(stray) is None
    assert commission_of(Organisation.objects.create(name="无上级部室", kind=OrgKind.OFFICE, region=world.city)) is None
