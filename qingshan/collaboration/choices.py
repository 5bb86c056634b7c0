"""States of a 会商 (a consultation between bodies) and of the tasks its decisions become."""
from django.db import models

from qingshan.core.choices import ColouredChoices, with_colours


class ConsultationState(ColouredChoices):
    PLANNED = "planned", "待召开"
    HELD = "held", "已召开"
    CLOSED = "closed", "已办结"


with_colours(ConsultationState, {ConsultationState.PLANNED: "secondary", ConsultationState.HELD: "primary",
                                 ConsultationState.CLOSED: "success"})


class TaskState(ColouredChoices):
    OPEN = "open", "办理中"
    DONE = "done", "已完成"


with_colours(TaskState, {TaskState.OPEN: "warning", TaskState.DONE: "success"})


class Action(models.TextChoices):
    CREATE = "create", "发起会商"
    RECORD = "record", "记录会商纪要"
    DECIDE = "decide", "形成决定事项"
    CLOSE = "close", "办结会商"
    COMPLETE = "complete", "报告完成情况"
