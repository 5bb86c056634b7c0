"""Data migration 0003: unsigned items named for the unit's 负责人 go to its one 党组书记, the others are reported."""
import importlib

import pytest
from django.apps import apps

from qingshan.audit.models import AuditEvent
from qingshan.core.errors import PermissionRefused
from qingshan.orgs.choices import Role
from qingshan.orgs.models import Membership, User
from qingshan.rectification import services
from qingshan.rectification.choices import Action, State
from qingshan.rectification.models import Item
from qingshan.rectification.testing.flows import PASSWORD, drive_to

migration = importlib.import_module("qingshan.rectification.migrations.0003_repoint_unit_signatories")


def _named_for_the_head(w) -> Item:
    """A checked, unsigned item whose unit signatory is 钱局长 (负责人), as the site check could name before the
    党组书记 rule."""
    item = drive_to(w, State.CHECKED, signed=False)
    Item.objects.filter(pk=item.pk).update(unit_signatory=w.eco_head)
    return Item.objects.get(pk=item.pk)


def _events(item, action):
    return list(AuditEvent.objects.filter(object_type="rectification.item", object_id=item.pk, action=action))


def test_the_one_party_secretary_becomes_the_signatory_and_can_sign(rw):
    item = _named_for_the_head(rw)
    with pytest.raises(PermissionRefused):
        services.item_sign_unit(actor=rw.eco_head, item=item, password=PASSWORD)

    assert migration.repoint_unit_signatories(apps, None) == (1, 0)

    item.refresh_from_db()
    assert item.unit_signatory == rw.eco_secretary and item.unit_signed_at is None
    [event] = _events(item, Action.SIGNATORY_REPOINTED)
    assert event.actor is None and "钱局长" in event.reason and "周书记" in event.reason
    assert event.payload == {"from": rw.eco_head.pk, "to": rw.eco_secretary.pk}
    item = services.item_sign_unit(actor=rw.eco_secretary, item=item, password=PASSWORD)
    assert item.unit_signed_at is not None
    # Run again: nothing left to do, nothing written.
    assert migration.repoint_unit_signatories(apps, None) == (0, 0)
    assert len(_events(item, Action.SIGNATORY_REPOINTED)) == 1


@pytest.mark.parametrize("secretaries", [0, 2])
def test_a_unit_without_exactly_one_secretary_is_left_and_reported(rw, secretaries):
    item = _named_for_the_head(rw)
    if secretaries == 0:
        Membership.objects.filter(user=rw.eco_secretary).update(is_active=False)
    else:
        second = User.objects.create_user(username="eco_secretary2", password=PASSWORD, full_name="吴书记")
        Membership.objects.create(user=second, organisation=rw.eco, role=Role.UNIT_PARTY_SECRETARY)

    assert migration.repoint_unit_signatories(apps, None) == (0, 1)

    item.refresh_from_db()
    assert item.unit_signatory == rw.eco_head
    [event] = _events(item, Action.SIGNATORY_UNRESOLVED)
    assert ("未设党组书记" if secretaries == 0 else "有2名党组书记") in event.reason
    assert "请重新现场核查" in event.reason and not event.internal


def test_signed_items_and_secretaries_already_named_are_not_touched(rw):
    signed = drive_to(rw, State.CHECKED)  # both signed, by 周书记 for the unit
    head_signed = _named_for_the_head(rw)
    Item.objects.filter(pk=head_signed.pk).update(unit_signed_at=signed.unit_signed_at)  # signed before the rule
    unsigned = drive_to(rw, State.CHECKED, signed=False)  # named for 周书记, not yet signed

    assert migration.repoint_unit_signatories(apps, None) == (0, 0)

    assert Item.objects.get(pk=head_signed.pk).unit_signatory == rw.eco_head
    assert Item.objects.get(pk=unsigned.pk).unit_signatory == rw.eco_secretary
    assert not AuditEvent.objects.filter(action__in=[Action.SIGNATORY_REPOINTED, Action.SIGNATORY_UNRESOLVED]).exists()
