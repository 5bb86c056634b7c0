"""One escalation scale: problems, supervision and the reminder stages use core's levels and colours."""
from qingshan.core.choices import ESCALATION_COLOURS, EscalationLevel
from qingshan.core.templatetags.qingshan import escalation_badge
from qingshan.problems import choices as problem_choices
from qingshan.reminders.choices import Stage
from qingshan.supervision import choices as supervision_choices


def test_problems_and_supervision_use_the_one_scale():
    assert problem_choices.EscalationLevel is EscalationLevel is supervision_choices.EscalationLevel
    assert [(level.value, level.label) for level in EscalationLevel] == [
        (0, "未督办"), (1, "蓝色督办"), (2, "黄色督办"), (3, "红色督办")]


def test_a_reminder_stage_has_the_colour_of_the_level_of_the_same_name():
    assert Stage.colour_of(Stage.BLUE) == ESCALATION_COLOURS[EscalationLevel.BLUE] == "primary"
    assert Stage.colour_of(Stage.YELLOW) == EscalationLevel.colour_of(2) == "warning"
    assert Stage.colour_of(Stage.RED) == EscalationLevel.colour_of(EscalationLevel.RED) == "danger"


def test_the_escalation_badge():
    assert escalation_badge(0) == ""
    assert escalation_badge(3) == '<span class="badge text-bg-danger">红色督办</span>'
