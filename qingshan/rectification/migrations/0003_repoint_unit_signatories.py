"""Unsigned items whose unit signatory is the unit's 负责人 get the unit's 党组书记 instead (issue 12).

Since the dual sign-off asks for the lead unit's party secretary (role `unit_party_secretary`, orgs 0002), a 负责人
named at a site check before that rule can no longer sign, and the item would wait for ever. Where the lead unit has
exactly one active party secretary, the item now names that person; where it has none or several, the item is left
as it is (a new site check names the signatory) and the audit says why. Each change, and each item left, is one
event of the audit chain, written by the system. Signed items and items named for anyone else are not touched.

The rule is frozen here (role names as strings, the historical models), so later changes of the app cannot change
what this migration did.
"""
from django.db import migrations

UNIT_HEAD, UNIT_PARTY_SECRETARY = "unit_head", "unit_party_secretary"
OBJECT_TYPE = "rectification.item"
REPOINTED, UNRESOLVED = "signatory_repointed", "signatory_unresolved"


def _name(user) -> str:
    return user.full_name or user.username


def repoint_unit_signatories(apps, schema_editor) -> tuple[int, int]:
    """Re-point or report every unsigned item named for a 负责人; returns (re-pointed, left)."""
    from qingshan.audit.services import EventSpec, record_events

    Item = apps.get_model("rectification", "Item")
    Membership = apps.get_model("orgs", "Membership")
    pending = list(Item.objects.filter(unit_signatory__isnull=False, unit_signed_at__isnull=True)
                   .select_related("unit_signatory", "lead_unit").order_by("pk"))
    if not pending:
        return 0, 0
    active = Membership.objects.filter(is_active=True, user__is_active=True,
                                       organisation_id__in={i.lead_unit_id for i in pending})
    heads = set(active.filter(role=UNIT_HEAD).values_list("user_id", "organisation_id"))
    secretaries: dict[int, list] = {}
    for m in active.filter(role=UNIT_PARTY_SECRETARY).select_related("user").order_by("user_id"):
        secretaries.setdefault(m.organisation_id, []).append(m.user)
    events, repointed, left = [], 0, 0
    for item in pending:
        signatory, unit = item.unit_signatory, item.lead_unit
        named_secretary = any(s.pk == signatory.pk for s in secretaries.get(unit.pk, []))
        if named_secretary or (signatory.pk, unit.pk) not in heads:
            continue
        found = [s for s in secretaries.get(unit.pk, []) if s.pk != item.supervisor_signatory_id]
        if len(found) == 1:
            Item.objects.filter(pk=item.pk).update(unit_signatory=found[0])
            repointed += 1
            events.append(EventSpec(
                object_type=OBJECT_TYPE, object_id=item.pk, action=REPOINTED, from_state=item.state,
                to_state=item.state, payload={"from": signatory.pk, "to": found[0].pk},
                reason=f"责任单位签字人应为党组书记：原指定的{_name(signatory)}为{unit.name}负责人，"
                       f"改为党组书记{_name(found[0])}。"))
        else:
            left += 1
            why = "未设党组书记" if not found else f"有{len(found)}名党组书记"
            events.append(EventSpec(
                object_type=OBJECT_TYPE, object_id=item.pk, action=UNRESOLVED, from_state=item.state,
                to_state=item.state, payload={"signatory": signatory.pk, "secretaries": [s.pk for s in found]},
                reason=f"责任单位签字人应为党组书记：原指定的{_name(signatory)}为{unit.name}负责人，"
                       f"该单位{why}，未改定，请重新现场核查并指定签字人。"))
    if events:
        record_events(events)
    return repointed, left


def forwards(apps, schema_editor) -> None:
    repoint_unit_signatories(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("rectification", "0002_item_search_trigram_indexes"),
        ("orgs", "0002_unit_party_secretary"),
        ("audit", "0003_signed_names"),
    ]

    operations = [
        # Not reversed: the re-pointed signatory is the one the rules accept, and the audit keeps the former one.
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
    ]
