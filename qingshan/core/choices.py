"""Choice sets that carry a colour beside each label, so badges, charts and exports agree."""
from django.db import models


class ColouredChoices(models.TextChoices):
    """TextChoices whose members may define a colour in `COLOURS` (a Bootstrap contextual name)."""

    @classmethod
    def colour_of(cls, value: str) -> str:
        return getattr(cls, "_colours", {}).get(value, "secondary")


def with_colours(choices_cls, colours: dict):
    choices_cls._colours = {str(k): v for k, v in colours.items()}
    return choices_cls


class EscalationLevel(models.IntegerChoices):
    """The one escalation scale (督办等级) of every kind of item: problems, report slots, indicators, reminders."""

    NONE = 0, "未督办"
    BLUE = 1, "蓝色督办"
    YELLOW = 2, "黄色督办"
    RED = 3, "红色督办"

    @classmethod
    def colour_of(cls, level: int) -> str:
        return ESCALATION_COLOURS.get(cls(level), "light") if level in cls.values else "light"


# Blue, yellow, red: the same colours for a level of 督办 and for the reminder stage of the same name.
ESCALATION_COLOURS = {EscalationLevel.NONE: "light", EscalationLevel.BLUE: "primary",
                      EscalationLevel.YELLOW: "warning", EscalationLevel.RED: "danger"}


class JobStatus(ColouredChoices):
    """A background job's record (an import, an export) in the queue: the words core/jobs.py's STATUS_LABELS use."""

    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


with_colours(JobStatus, {JobStatus.QUEUED: "secondary", JobStatus.RUNNING: "primary",
                         JobStatus.DONE: "success", JobStatus.FAILED: "danger"})
