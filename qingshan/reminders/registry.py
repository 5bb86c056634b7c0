"""Discovery of the watched deadline kinds: `DEADLINE_KINDS` of `<app>.deadlines` for every installed app."""
import functools
import importlib

from django.apps import apps

from qingshan.core.deadlines import DeadlineKind

from .models import ReminderRule


@functools.cache
def _deadline_modules() -> tuple:
    """The `<app>.deadlines` modules of the installed apps, looked up once per process (a failed import is costly
    and the inbox asks for the kinds on every page)."""
    modules = []
    for config in apps.get_app_configs():
        name = f"{config.name}.deadlines"
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return tuple(modules)


def deadline_kinds() -> list[DeadlineKind]:
    """Every declared kind, in INSTALLED_APPS order."""
    kinds: list[DeadlineKind] = []
    for module in _deadline_modules():
        kinds.extend(getattr(module, "DEADLINE_KINDS", []))
    return kinds


def kind_by_code() -> dict[str, DeadlineKind]:
    """The kinds keyed by their stable code."""
    return {kind.code: kind for kind in deadline_kinds()}


def rules_for(kinds: list[DeadlineKind]) -> dict[str, ReminderRule]:
    """The rule of each kind, created from the kind's defaults the first time the kind is seen."""
    rules = {r.kind: r for r in ReminderRule.objects.filter(kind__in=[k.code for k in kinds])}
    missing = [ReminderRule(kind=k.code, label=k.label, blue_days=k.default_blue_days,
                            escalate_after_days=k.default_escalate_after_days,
                            escalate_after_urges=k.default_escalate_after_urges)
               for k in kinds if k.code not in rules]
    if missing:
        # Two sweeps starting together may both see the kind as new: the unique code keeps one rule.
        ReminderRule.objects.bulk_create(missing, ignore_conflicts=True)
        rules = {r.kind: r for r in ReminderRule.objects.filter(kind__in=[k.code for k in kinds])}
    return rules
