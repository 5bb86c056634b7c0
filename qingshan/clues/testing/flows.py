"""Drive a clue to any state through the services (the same path the pages take)."""
import datetime as dt

from qingshan.clues import services
from qingshan.clues.choices import Disposal, State
from qingshan.clues.models import Clue
from qingshan.core.testing.uploads import WORLD_NOW

from .world import PASSWORD, new_clue

TODAY = WORLD_NOW.date()
PATH = [State.ACCEPTED, State.NUMBERED, State.ASSIGNED, State.HANDLING, State.PROPOSED, State.STUDIED]


def drive_to(w, state: str, *, disposal: str = Disposal.INQUIRY, replied: bool = True, leader=None,
             **clue_kwargs) -> Clue:
    """A clue about 市生态环境局 in `state`, assigned to 第一监督检查室 from ASSIGNED on; `leader` (陈书记 unless
    given) is named the signing leader at the study and approves."""
    leader = leader or w.leader
    clue = new_clue(w, **clue_kwargs)
    if state == State.RECEIVED:
        return clue
    screening = {
        State.DUPLICATE: lambda: services.clue_mark_duplicate(actor=w.xinfang, clue=clue,
                                                              duplicate_of=new_clue(w, summary="首件")),
        State.NOT_ACCEPTED: lambda: services.clue_not_accept(actor=w.xinfang, clue=clue, reason="不属于受理范围"),
        State.UP_PENDING: lambda: services.clue_forward_up(actor=w.xinfang, clue=clue),
        State.FORWARDED_UP: lambda: services.clue_forward_up_sent(
            actor=w.xinfang, clue=services.clue_forward_up(actor=w.xinfang, clue=clue)),
        State.DOWN_PENDING: lambda: services.clue_transfer_down(actor=w.xinfang, clue=clue,
                                                                down_to=w.lvshui_commission),
    }
    if state in screening:
        return screening[state]()
    steps = [
        lambda: services.clue_accept(actor=w.xinfang, clue=clue),
        lambda: services.clue_register(actor=w.anguan, clue=clue),
        lambda: services.clue_assign(actor=w.anguan, clue=clue, assigned_org=w.office),
        lambda: services.clue_sign(actor=w.officer, clue=clue),
        lambda: services.clue_propose(actor=w.officer, clue=clue, disposal=disposal, reason="拟按此方式处置",
                                      matters="请说明你在某化工厂环评审批中有无收受财物。"),
        lambda: services.clue_study(actor=w.officer, clue=clue, study_date=TODAY, attendees="王主任、李监督",
                                    record="同意拟处置意见", signing_leader=leader),
    ]
    target = {State.INQUIRY: Disposal.INQUIRY, State.VERIFYING: Disposal.VERIFY, State.SHELVED: Disposal.SHELVE,
              State.CLOSED: Disposal.CLOSE, State.CASE: Disposal.CASE}
    if state in target:
        disposal = target[state]
        steps[4] = lambda: services.clue_propose(actor=w.officer, clue=clue, disposal=disposal, reason="拟按此方式处置",
                                                 matters="请说明你在某化工厂环评审批中有无收受财物。")
    wanted = PATH.index(state) + 1 if state in PATH else len(PATH)
    for step in steps[:wanted]:
        step()
    if state in target:
        services.clue_approve(actor=leader, clue=clue, disposal=disposal, password=PASSWORD,
                              review_due=TODAY + dt.timedelta(days=60) if disposal == Disposal.SHELVE else None)
        if state == State.INQUIRY and replied:
            services.clue_record_reply(actor=w.officer, clue=clue, replied_on=TODAY, reply_text="本人未收受财物。")
    clue.refresh_from_db()
    return clue
