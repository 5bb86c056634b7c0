"""A schema column's allowed values and unit as the data set page lists them: 氨氮（nh3n）, so a person writing a
file sees both the name a file may carry and the code it is stored as."""
from django import template

register = template.Library()


@register.filter
def choices_text(column) -> str:
    """The column's choices, each by its label with the stored code beside it when they differ."""
    labels = column.get("choice_labels") or {}
    units = column.get("choice_units") or {}
    shown = []
    for code in column.get("choices") or []:
        label = labels.get(code, code)
        text = f"{label}（{code}）" if label != code else code
        shown.append(f"{text} {units[code]}" if code in units else text)
    return "、".join(shown)
