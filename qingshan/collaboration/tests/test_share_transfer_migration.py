"""The data migration giving every share made before transfers existed its PartnerTransfer: sent by the sharer on
the share's day, due 10 working days later, 已反馈 with the partner's last reply when it replied (按期 by its first),
attached to an unfinished transfer to the same partner instead of doubling it; a share that has its transfer is left
alone. Afterwards the partner lists, signs and is chased for it like any other."""
import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from qingshan.access.collaboration import visible_partner_transfers
from qingshan.collaboration import partners
from qingshan.collaboration.choices import PartnerTransferState as State
from qingshan.collaboration.models import PartnerTransfer
from qingshan.orgs.choices import OrgKind
from qingshan.orgs.models import Organisation
from qingshan.problems import services as problem_services
from qingshan.problems.choices import State as ProblemState
from qingshan.problems.testing.flows import drive_to, new_problem
from qingshan.problems.testing.world import WORLD_NOW  # Monday 2026-03-02

TZ = ZoneInfo("Asia/Shanghai")
BEFORE = [("collaboration", "0003_partner_transfer_share")]
AFTER = [("collaboration", "0004_backfill_share_transfers")]
migration = importlib.import_module("qingshan.collaboration.migrations.0004_backfill_share_transfers")


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.fixture
def back_to_latest():
    yield
    _migrate()  # the following tests expect every app's latest schema


@pytest.mark.django_db(transaction=True)
def test_old_shares_get_their_transfers(world, time_machine, back_to_latest):
    w = world
    time_machine.move_to(WORLD_NOW, tick=False)
    _migrate(BEFORE)
    # Shares made by the problems' own step, as before transfers existed (no transfer row).
    quiet = new_problem(w, title="青山化工夜间偷排")
    quiet_share = problem_services.problem_share(actor=w.officer, problem=quiet, partner=w.partner,
                                                 reason="请协同督办排口整治")
    answered = drive_to(w, ProblemState.DISPATCHED)
    problem_services.problem_share(actor=w.officer, problem=answered, partner=w.partner, reason="请联合执法")
    time_machine.move_to(dt.datetime(2026, 3, 10, 15, tzinfo=TZ), tick=False)
    problem_services.problem_partner_reply(actor=w.partner_staff, problem=answered, text="已开展联合执法检查。")
    time_machine.move_to(dt.datetime(2026, 3, 20, 9, tzinfo=TZ), tick=False)
    problem_services.problem_partner_reply(actor=w.partner_staff, problem=answered, text="已立案查处，罚款十万元。")
    # A problem first sent from the transfer list (its chosen fields), then shared with the same body.
    police = Organisation.objects.create(name="市公安局环境犯罪侦查支队", kind=OrgKind.PARTNER, region=w.city)
    listed = new_problem(w, title="渣土车夜间偷倒")
    listed_transfer = partners.partner_transfer_send(actor=w.officer, problem=listed, partner=police,
                                                     request="请查处偷倒", days=5, fields=["title"])
    listed_share = problem_services.problem_share(actor=w.officer, problem=listed, partner=police, reason="请跟进")
    # A share made since transfers exist already has its own.
    recent = new_problem(w, title="河道漂浮物")
    recent_transfer = partners.problem_share_transfer(actor=w.officer, problem=recent, partner=w.partner,
                                                      reason="请清理")
    time_machine.move_to(dt.datetime(2026, 3, 23, 9, tzinfo=TZ), tick=False)
    assert set(PartnerTransfer.objects.values_list("pk", flat=True)) == {listed_transfer.pk, recent_transfer.pk}

    _migrate(AFTER)

    quiet_transfer = PartnerTransfer.objects.get(share=quiet_share)
    assert (quiet_transfer.problem, quiet_transfer.partner, quiet_transfer.sender_org, quiet_transfer.sent_by) == (
        quiet, w.partner, w.office, w.officer)
    assert quiet_transfer.sent_at == quiet_share.shared_at and quiet_transfer.request == "请协同督办排口整治"
    assert (quiet_transfer.state, quiet_transfer.feedback_days, quiet_transfer.feedback_deadline) == (
        State.SENT, 10, dt.date(2026, 3, 16))
    assert quiet_transfer.signed_at is None and quiet_transfer.result == "" and quiet_transfer.on_time is None
    assert quiet_transfer.shared["问题编号"] == quiet.number and quiet_transfer.shared["问题标题"] == "青山化工夜间偷排"
    assert quiet_transfer.shared["问题类别"] == "水污染" and "来电人" not in str(quiet_transfer.shared)

    answered_transfer = PartnerTransfer.objects.get(problem=answered)
    assert (answered_transfer.state, answered_transfer.result, answered_transfer.on_time) == (
        State.RETURNED, "已立案查处，罚款十万元。", True)  # the last reply; 按期 by the first (3-10 ≤ 3-16)
    assert answered_transfer.returned_at == dt.datetime(2026, 3, 20, 9, tzinfo=TZ)

    listed_transfer.refresh_from_db()
    assert listed_transfer.share == listed_share and listed_transfer.state == State.SENT
    assert PartnerTransfer.objects.filter(problem=listed).count() == 1
    assert PartnerTransfer.objects.filter(problem=recent).get() == recent_transfer
    assert PartnerTransfer.objects.count() == 4

    # Listed for the partner and the sender, signed and chased like any other; a second run adds nothing.
    assert set(visible_partner_transfers(w.partner_staff)) == {quiet_transfer, answered_transfer, recent_transfer}
    assert quiet_transfer in visible_partner_transfers(w.officer)
    partners.partner_transfer_sign(actor=w.partner_staff, transfer=quiet_transfer)
    partners.partner_transfer_accept(actor=w.officer, transfer=answered_transfer, opinion="")
    assert migration.backfill_share_transfers(current_apps, None) == (0, 0)
    assert PartnerTransfer.objects.count() == 4


@pytest.mark.django_db
def test_without_shares_the_migration_does_nothing():
    assert migration.backfill_share_transfers(current_apps, None) == (0, 0)
    assert not PartnerTransfer.objects.exists()
