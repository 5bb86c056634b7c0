"""Instruments (文书) and accountability (问责) choice sets (domain §7), each with its colour where it is shown."""
from django.db import models

from qingshan.core.choices import ColouredChoices, with_colours


class Kind(models.TextChoices):
    """The types of instrument; each has its own number series per issuer and year, and its own Word template."""

    SUGGESTION = "suggestion", "纪检监察建议书"
    SUPERVISION_SUGGESTION = "supervision_suggestion", "监察建议书"
    RECTIFY_LETTER = "rectify_letter", "整改函"
    SUPERVISE_LETTER = "supervise_letter", "督办函"
    SUPERVISE_SHEET = "supervise_sheet", "督办单"
    URGE_NOTICE = "urge_notice", "催办通知书"
    REMINDER_LETTER = "reminder_letter", "提醒函"
    GUIDANCE_LETTER = "guidance_letter", "工作指引函"
    WORK_TIP = "work_tip", "工作提示单"


# The word after the issuer's one-character abbreviation in a default number prefix: 青 + 纪建 → 青纪建〔2026〕3号.
# Local practice: an administrator sets the prefix per type and issuer (NumberPrefix) and it wins.
DEFAULT_PREFIX_WORDS = {
    Kind.SUGGESTION: "纪建", Kind.SUPERVISION_SUGGESTION: "监建", Kind.RECTIFY_LETTER: "纪改函",
    Kind.SUPERVISE_LETTER: "纪督函", Kind.SUPERVISE_SHEET: "纪督单", Kind.URGE_NOTICE: "纪催",
    Kind.REMINDER_LETTER: "纪提函", Kind.GUIDANCE_LETTER: "纪指函", Kind.WORK_TIP: "纪提示",
}

# The layout of each type (GB/T 9704-2012): a 文件-style 版头, a letter (函) 版头 with a red double line, or a sheet.
DOCUMENT, LETTER, SHEET = "document", "letter", "sheet"
LAYOUTS = {
    Kind.SUGGESTION: DOCUMENT, Kind.SUPERVISION_SUGGESTION: DOCUMENT, Kind.RECTIFY_LETTER: LETTER,
    Kind.SUPERVISE_LETTER: LETTER, Kind.URGE_NOTICE: LETTER, Kind.REMINDER_LETTER: LETTER,
    Kind.GUIDANCE_LETTER: LETTER, Kind.SUPERVISE_SHEET: SHEET, Kind.WORK_TIP: SHEET,
}
# Only 督办函 and 督办单 carry a colour level (蓝/黄/红).
LEVELLED_KINDS = frozenset({Kind.SUPERVISE_LETTER, Kind.SUPERVISE_SHEET})


class Level(ColouredChoices):
    NONE = "", "无"
    BLUE = "blue", "蓝色"
    YELLOW = "yellow", "黄色"
    RED = "red", "红色"


with_colours(Level, {Level.BLUE: "primary", Level.YELLOW: "warning", Level.RED: "danger"})


class State(ColouredChoices):
    DRAFT = "draft", "草稿"
    ISSUED = "issued", "已印发待回复"
    REPLIED = "replied", "已回复待审核"
    RETURNED = "returned", "回复被退回"
    ACCEPTED = "accepted", "回复已采纳（跟踪整改）"
    CLOSED = "closed", "已办结"
    VOIDED = "voided", "已作废"


with_colours(State, {
    State.DRAFT: "secondary", State.ISSUED: "info", State.REPLIED: "warning", State.RETURNED: "danger",
    State.ACCEPTED: "primary", State.CLOSED: "success", State.VOIDED: "dark",
})

# The recipient owes a written reply in these states (the reply deadline runs).
AWAITING_REPLY = frozenset({State.ISSUED, State.RETURNED})
# A recipient sees an instrument once it has been issued to it (a draft, or a draft voided, never).
ISSUED_STATES = frozenset({State.ISSUED, State.REPLIED, State.RETURNED, State.ACCEPTED, State.CLOSED})


class Action(models.TextChoices):
    CREATE = "create", "起草"
    EDIT = "edit", "修改草稿"
    ISSUE = "issue", "签发"
    VOID = "void", "作废"
    URGE = "urge", "催办"
    REPLY = "reply", "书面回复"
    ACCEPT = "accept", "采纳回复"
    RETURN = "return", "退回回复"
    FOLLOW_UP = "follow_up", "记录跟踪督办"
    CLOSE = "close", "办结"
    NOTE = "note", "内部意见"
    GENERATE = "generate", "生成文书"
    DOWNLOAD = "download", "下载文件"
    TEMPLATE = "template", "更换文书模板"


class FollowUpKind(models.TextChoices):
    SITE = "site", "实地核查"
    PHONE = "phone", "电话督促"
    MEETING = "meeting", "约谈督促"
    RECHECK = "recheck", "回头看"
    OTHER = "other", "其他"


class FilePurpose(models.TextChoices):
    REPLY = "reply", "书面回复"
    FOLLOW_UP = "follow_up", "跟踪督办材料"


class Form(models.TextChoices):
    """Forms of accountability (问责 / 处置), domain §7."""

    INTERVIEW = "interview", "约谈"
    REMINDER_TALK = "reminder_talk", "提醒谈话"
    ADMONITION = "admonition", "诫勉谈话"
    ORDERED_REVIEW = "ordered_review", "责令检查"
    CIRCULATED_CRITICISM = "circulated_criticism", "通报批评"
    PARTY_DISCIPLINE = "party_discipline", "党纪处分"
    GOVERNMENT_SANCTION = "government_sanction", "政务处分"
    ORGANISATIONAL = "organisational", "组织处理"
    JUDICIAL = "judicial", "移送司法"


class Rank(models.TextChoices):
    BUREAU = "bureau", "厅局级"
    DIVISION = "division", "县处级"
    SECTION = "section", "乡科级"
    OTHER = "other", "其他"


class AccountabilityAction(models.TextChoices):
    CREATE = "create", "登记问责"
    EXPOSE = "expose", "通报曝光"
    BATCH = "batch", "建立曝光批次"


class BatchStatus(ColouredChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


with_colours(BatchStatus, {BatchStatus.QUEUED: "secondary", BatchStatus.RUNNING: "primary",
                           BatchStatus.DONE: "success", BatchStatus.FAILED: "danger"})
