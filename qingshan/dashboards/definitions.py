"""The KPI definitions as users read them (口径说明), one text per condition of problems.kpis.

The texts restate the Q conditions of kpis.py in words; a test fails when a condition is added there without a text
here, and rate texts are built from kpis.RATES so they cannot drift from it.
"""
from dataclasses import dataclass

from qingshan.problems import kpis

GENERAL_NOTES = [
    "统计对象为您有权查看、受理日期在所选期间内的问题。",
    "交办、签收、申请办结、办结等带时间的环节，按统计截止日当日结束时的情况判断；"
    "审核、发回重办、催办的次数按当前记录统计。",
    "已并入其他问题的重复件不计入受理数（计入其主问题），另行统计为“重复件”。",
    "按区划统计时，区划为区县及其下辖乡镇街道的问题计入该区县，登记在市级区划的问题列为“市本级”；"
    "按主办单位统计时，以当前主办单位为准，尚未交办或已退回待改派的问题列为“无主办单位”。",
    "比率的分母为 0 时显示“—”。比率保留一位小数，括号内为分子/分母，每个数字均可点击查看对应的问题清单。",
]

CONDITION_TEXTS = {
    "received": "登记时间不晚于统计截止日、且未并入其他问题的问题数。",
    "closed": "受理数中，当前状态为已办结、阶段性办结或已回访，且办结（审核通过）时间不晚于统计截止日的问题数。",
    "closed_on_time": "办结数中，审核通过时认定为按期办结（所通过的办结申请在办理期限内提出）的问题数。",
    "closed_or_overdue": "办结数与超期数之和（二者互不重叠）。",
    "overdue": "受理数中，截至统计截止日已交办、尚未办结、办理期限早于统计截止日，"
               "且没有在办理期限内提出办结申请的问题数。",
    "open": "受理数中未计入办结数的问题数。",
    "dispatched": "受理数中，首次交办时间不晚于统计截止日的问题数。",
    "signed_on_time": "交办数中，截至统计截止日已签收、且在签收期限内签收的问题数（改派后以新主办单位的签收为准）。",
    "reviewed": "受理数中，至少经过一次办结审核（通过或发回重办）的问题数。",
    "rejected": "受理数中，审核时至少被发回重办一次的问题数。",
    "urged": "交办数中，至少被催办一次的问题数。",
    "duplicates": "登记时间不晚于统计截止日、已并入其他问题的重复件数。",
}


@dataclass(frozen=True)
class Definition:
    """One line of 口径说明: the figure's name and what it counts."""

    label: str
    text: str


def condition_label(name: str) -> str:
    """The Chinese name of a condition of kpis.CONDITIONS."""
    return kpis.CONDITIONS[name][1]


def kpi_definitions() -> tuple[list[Definition], list[Definition]]:
    """(rates, counts): the rates as quotients of named counts, then each count's definition."""
    rates = [Definition(rate.label, f"{condition_label(rate.numerator)} ÷ {condition_label(rate.denominator)}")
             for rate in kpis.RATES]
    counts = [Definition(label, CONDITION_TEXTS[name]) for name, (_q, label) in kpis.CONDITIONS.items()]
    return rates, counts
