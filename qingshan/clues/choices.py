"""States, actions and other choice sets of the discipline loop (domain §5), each with its colour."""
from django.db import models

from qingshan.core.choices import ColouredChoices, with_colours


class State(ColouredChoices):
    RECEIVED = "received", "待研判"  # registered by 信访, waiting to be screened
    DUPLICATE = "duplicate", "重复件"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    UP_PENDING = "up_pending", "待上交"
    FORWARDED_UP = "forwarded_up", "已上交"
    DOWN_PENDING = "down_pending", "待下级接收"
    ACCEPTED = "accepted", "已受理待登记"  # passed to 案管
    NUMBERED = "numbered", "待分办"
    ASSIGNED = "assigned", "待签收"
    HANDLING = "handling", "待提出处置意见"
    PROPOSED = "proposed", "待集体研究"
    STUDIED = "studied", "待审批"
    INQUIRY = "inquiry", "谈话函询"
    VERIFYING = "verifying", "初步核实"
    SHELVED = "shelved", "暂存待查"
    CLOSED = "closed", "已了结"
    CASE = "case", "已立案审查"


with_colours(State, {
    State.RECEIVED: "secondary", State.DUPLICATE: "dark", State.NOT_ACCEPTED: "dark", State.UP_PENDING: "warning",
    State.FORWARDED_UP: "dark", State.DOWN_PENDING: "warning", State.ACCEPTED: "info", State.NUMBERED: "info",
    State.ASSIGNED: "info", State.HANDLING: "primary", State.PROPOSED: "warning", State.STUDIED: "warning",
    State.INQUIRY: "primary", State.VERIFYING: "primary", State.SHELVED: "secondary", State.CLOSED: "success",
    State.CASE: "danger",
})

# Ended here: nothing more happens to the clue in this commission (notices to the reporter aside).
TERMINAL_STATES = frozenset({State.DUPLICATE, State.NOT_ACCEPTED, State.FORWARDED_UP, State.CLOSED, State.CASE})
# Accepted by this commission (受理): a real-name reporter is owed a 受理告知.
ACCEPTED_STATES = frozenset({State.ACCEPTED, State.NUMBERED, State.ASSIGNED, State.HANDLING, State.PROPOSED,
                             State.STUDIED, State.INQUIRY, State.VERIFYING, State.SHELVED, State.CLOSED, State.CASE})


class Source(models.TextChoices):
    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    PHONE = "phone", "电话"
    WEB_12388 = "web12388", "12388网站"
    TRANSFER = "transfer", "工作闭环移送"


class Disposal(ColouredChoices):
    """The four ways of disposal (四种方式), or 立案审查."""

    INQUIRY = "inquiry", "谈话函询"
    VERIFY = "verify", "初步核实"
    SHELVE = "shelve", "暂存待查"
    CLOSE = "close", "予以了结"
    CASE = "case", "立案审查"


with_colours(Disposal, {Disposal.INQUIRY: "primary", Disposal.VERIFY: "warning", Disposal.SHELVE: "secondary",
                        Disposal.CLOSE: "success", Disposal.CASE: "danger"})

FOUR_WAYS = (Disposal.INQUIRY, Disposal.VERIFY, Disposal.SHELVE, Disposal.CLOSE)


class Outcome(models.TextChoices):
    """How a clue ended (了结) or where it went, after 函询 or 初步核实."""

    CLEARED = "cleared", "了结澄清"
    REMINDED = "reminded", "谈话提醒"
    CRITICISED = "criticised", "批评教育"
    CLOSED = "closed", "予以了结"
    TRANSFERRED = "transferred", "移送有关机关"
    CASE = "case", "立案审查"


class Action(models.TextChoices):
    CREATE = "create", "登记线索"
    MARK_DUPLICATE = "mark_duplicate", "作为重复件"
    NOT_ACCEPT = "not_accept", "不予受理"
    FORWARD_UP = "forward_up", "拟上交上级"
    FORWARD_UP_SENT = "forward_up_sent", "已上交上级"
    TRANSFER_DOWN = "transfer_down", "下转下级"
    ACCEPT_DOWN = "accept_down", "接收下转线索"
    ACCEPT = "accept", "受理并移交案管"
    REGISTER = "register", "案管登记编号"
    ASSIGN = "assign", "分办"
    SIGN = "sign", "签收"
    PROPOSE = "propose", "提出处置意见"
    STUDY = "study", "集体研究"
    APPROVE_INQUIRY = "approve_inquiry", "批准谈话函询"
    APPROVE_VERIFY = "approve_verify", "批准初步核实"
    APPROVE_SHELVE = "approve_shelve", "批准暂存待查"
    APPROVE_CLOSE = "approve_close", "批准予以了结"
    APPROVE_CASE = "approve_case", "批准立案审查"
    RETURN_PROPOSAL = "return_proposal", "退回重新研究"
    RECORD_REPLY = "record_reply", "登记函询回复"
    INQUIRY_CLEAR = "inquiry_clear", "了结澄清"
    INQUIRY_REMIND = "inquiry_remind", "谈话提醒"
    INQUIRY_CRITICISE = "inquiry_criticise", "批评教育"
    INQUIRY_AGAIN = "inquiry_again", "再次函询"
    INQUIRY_VERIFY = "inquiry_verify", "转初步核实"
    VERIFY_CASE = "verify_case", "核实后立案"
    VERIFY_CLOSE = "verify_close", "核实后予以了结"
    VERIFY_REMIND = "verify_remind", "核实后谈话提醒"
    VERIFY_SHELVE = "verify_shelve", "核实后暂存待查"
    VERIFY_TRANSFER = "verify_transfer", "核实后移送"
    REVIEW_SHELVED = "review_shelved", "暂存线索重新处置"
    POSTPONE_REVIEW = "postpone_review", "继续暂存"
    NOTIFY_ACCEPTANCE = "notify_acceptance", "受理告知"
    NOTIFY_RESULT = "notify_result", "结果告知"
    RECORD_OBJECTION = "record_objection", "登记异议及答复"
    REVEAL_REPORTER = "reveal_reporter", "查阅举报人信息"
    DOWNLOAD_LETTER = "download_letter", "下载函询函"
    DOWNLOAD_TRANSFER = "download_transfer", "下载下转函"
    TRANSFER_FROM_PROBLEM = "transfer_from_problem", "由问题移送"
    GENERATE_LETTER = "generate_letter", "生成函询函"
    GENERATE_TRANSFER = "generate_transfer", "生成下转函"
    SEND_NOTICE = "send_notice", "短信告知举报人"
    NOTICE_SENT = "notice_sent", "告知短信已发送"
    NOTICE_FAILED = "notice_failed", "告知短信发送失败"


class JobKind(models.TextChoices):
    """What a background job of the loop writes (a file only its asker downloads)."""

    REVEALS = "reveals", "借阅登记导出"
    LETTER = "letter", "函询函"
    TRANSFER = "transfer", "线索移交函"
    QUARTER = "quarter", "季度回告函"


class NoticeKind(models.TextChoices):
    """A notice to a real-name reporter: the two the rules require."""

    ACCEPTANCE = "acceptance", "受理告知"
    RESULT = "result", "结果告知"


class NoticeStatus(ColouredChoices):
    QUEUED = "queued", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


with_colours(NoticeStatus, {NoticeStatus.QUEUED: "secondary", NoticeStatus.SENT: "success",
                            NoticeStatus.FAILED: "danger"})
