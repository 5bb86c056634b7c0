"""Changes to 一键分析's rules: only a platform administrator, checked against the rule's kind, audited."""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict

from qingshan.audit.services import record_event
from qingshan.core.errors import PermissionRefused
from qingshan.orgs.models import User
from qingshan.problems import kpis

from .models import AnalysisRule, RuleKind

RATE_KEYS = {rate.key for rate in kpis.RATES}
OUTLIER_KINDS = {RuleKind.UNIT_OUTLIER, RuleKind.DISTRICT_OUTLIER}
CHANGE_KINDS = {RuleKind.CHANGE_PREVIOUS, RuleKind.CHANGE_YEAR}
# The concentration kinds read exactly one count.
FIXED_MEASURE = {RuleKind.OVERDUE: "overdue", RuleKind.REJECTED: "rejected"}
AUDITED = ["code", "name", "kind", "measure", "threshold", "min_base", "min_peers", "min_gap", "enabled", "sort_order"]


def rule_errors(rule: AnalysisRule) -> dict[str, str]:
    """What is wrong with a rule's settings, by field, in Chinese (empty when it is usable)."""
    errors: dict[str, str] = {}
    threshold = Decimal(rule.threshold if rule.threshold is not None else 0)
    if rule.kind in OUTLIER_KINDS:
        if rule.measure not in RATE_KEYS:
            errors["measure"] = "异常类规则只能比较比率指标（如按期办结率），件数随单位规模变化，不宜横向比较。"
        if not Decimal("1") <= threshold <= Decimal("10"):
            errors["threshold"] = "异常类规则的阈值为稳健标准差倍数，应在 1 到 10 之间（常用 3.5）。"
        if rule.min_peers < 3:
            errors["min_peers"] = "可比对象少于 3 个时中位数没有意义，请至少设为 3。"
        if not Decimal("0") < Decimal(rule.min_gap if rule.min_gap is not None else 0) <= Decimal("100"):
            errors["min_gap"] = "最小偏离应大于 0 且不超过 100 个百分点。"
        if rule.min_base < 1:
            errors["min_base"] = "参与比较的分母下限至少为 1。"
    elif rule.kind in CHANGE_KINDS:
        if threshold <= 0 or (rule.measure in RATE_KEYS and threshold > 100):
            errors["threshold"] = "变化类规则的阈值应大于 0（比率为百分点，不超过 100）。"
        if rule.min_base < 1:
            errors["min_base"] = "对比期基数下限至少为 1，否则从 0 起的变化无法计算百分比。"
    elif rule.kind in FIXED_MEASURE:
        if rule.measure != FIXED_MEASURE[rule.kind]:
            label = dict(AnalysisRule._meta.get_field("measure").choices)[FIXED_MEASURE[rule.kind]]
            errors["measure"] = f"该类型规则的指标只能是“{label}”。"
        if threshold < 1 or threshold != threshold.to_integral_value():
            errors["threshold"] = "集中类规则的阈值为件数下限，应为不小于 1 的整数。"
    return errors


def rule_save(*, actor: User, rule: AnalysisRule) -> AnalysisRule:
    """Save a new or changed rule. Only a platform administrator may; bad settings raise ValidationError (in
    Chinese, by field) and change nothing. One audit event records the values before and after."""
    if not actor.is_superuser:
        raise PermissionRefused("只有系统管理员可以修改一键分析规则。")
    rule.full_clean()
    errors = rule_errors(rule)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = None
        if rule.pk is not None:
            old = AnalysisRule.objects.select_for_update().filter(pk=rule.pk).first()
            before = _snapshot(old) if old is not None else None
        rule.save()
        rule.refresh_from_db()  # the values as stored (decimals at their scale), for the audit record
        record_event(object_type="dashboards.analysis_rule", object_id=rule.pk, actor=actor,
                     action="create" if before is None else "update",
                     payload={"before": before, "after": _snapshot(rule)})
    return rule


def _snapshot(rule: AnalysisRule) -> dict:
    values = model_to_dict(rule, fields=AUDITED)
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in values.items()}
