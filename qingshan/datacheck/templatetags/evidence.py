"""Evidence rows in words on the run preview (the hit page builds its table in the view, through the same prose)."""
from django import template

from qingshan.datacheck.prose import Vocabulary, model_vocabulary

register = template.Library()


def _vocabulary(run) -> Vocabulary:
    # Built once per run rendered: the preview shows up to 20 subjects of the same model.
    if getattr(run, "_vocabulary", None) is None:
        draft = run.draft_spec["spec_text"] if run.draft_spec else None
        run._vocabulary = model_vocabulary(run.model, spec_text=draft)
    return run._vocabulary


@register.filter
def evidence_line(row, run) -> str:
    """One evidence row of `run` as 采样日期：2026-03-05；监测项目：氨氮；监测值：0.62 mg/L."""
    return _vocabulary(run).line(row) if row else ""
