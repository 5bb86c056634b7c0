"""`{% for s in run|masked_preview %}`: a dry run's preview with personal identifiers masked (see ..masking)."""
from django import template

from qingshan.datacheck.masking import mask_preview

register = template.Library()


@register.filter
def masked_preview(run) -> list[dict]:
    """The run's preview subjects, personal identifiers masked."""
    return mask_preview(run.model, run.preview or [])
