"""The form kit every app's pages use: Bootstrap-styled widgets, a multiple-file field and the sane date range."""
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

# Dates users type (deadlines, periods, as-of dates) fall in this range: year 9999 overflows date arithmetic and no
# working-day calendar covers it; the API's serializers use the same bounds.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)
DATE_RANGE_MESSAGE = "日期须在 2000-01-01 至 2099-12-31 之间。"
# The label of a select's empty choice, instead of Django's "---------" (django-filter's FILTERS_EMPTY_CHOICE_LABEL in
# the settings says the same for the list filters).
EMPTY_LABEL = "请选择"
DJANGO_EMPTY_LABEL = "---------"
# Free text (descriptions, reasons, notes) is stored in unbounded columns; a bound keeps pages and exports usable.
TEXT_MAX_LENGTH = 10_000


def sane_date(value: dt.date | None) -> None:
    """Validator: refuse a date outside EARLIEST_DATE..LATEST_DATE in Chinese."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_range")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more uploaded files."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class StyledForm(forms.Form):
    """Adds Bootstrap classes to every widget, so templates render fields as they are, and keeps every date field
    within the sane date range."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField) and sane_date not in field.validators:
                field.validators.append(sane_date)
            _say_choose(field)
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")


def _say_choose(field: forms.Field) -> None:
    """Label the empty choice of a select 请选择 (a ModelChoiceField's empty_label, a model field's blank choice)."""
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == DJANGO_EMPTY_LABEL:
            field.empty_label = EMPTY_LABEL
    elif isinstance(field, forms.ChoiceField) and not callable(field.choices):
        field.choices = [(value, EMPTY_LABEL if value == "" and label == DJANGO_EMPTY_LABEL else label)
                         for value, label in field.choices]


class ActionForm(StyledForm):
    """The page input of one action of an action table; `actor` is who acts, for fields resolved through access."""

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor


# ---------------------------------------------------------------- searchable, grouped pickers

# The attribute qingshan.js turns into a Tom Select picker (type to search; the groups stay as headings).
PICKER_ATTRS = {"data-picker": "search"}


class GroupedModelChoiceIterator(ModelChoiceIterator):
    """The queryset's choices under group headings (optgroups), in the order the groups first appear."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if getattr(self.field, "null_label", None) is not None:  # a filter's "none" choice (django-filter's null)
            yield (self.field.null_value, self.field.null_label)  # type: ignore[attr-defined]
        queryset = self.queryset
        rows = queryset if getattr(queryset, "_prefetch_related_lookups", ()) else queryset.iterator()
        group_of = self.field.group_of  # type: ignore[attr-defined]  # set by the picker fields below
        groups: dict[str, list] = {}
        for obj in rows:
            groups.setdefault(group_of(obj), []).append(self.choice(obj))
        yield from groups.items()


def make_picker(field: forms.ModelChoiceField, group_by: Callable[[Any], str]) -> None:
    """Make a model choice field (of a form or a filter, whose `iterator` is GroupedModelChoiceIterator) a searchable
    picker whose options sit under `group_by(obj)` headings."""
    field.group_of = group_by  # type: ignore[attr-defined]  # read by GroupedModelChoiceIterator
    field.widget.attrs.update(PICKER_ATTRS)


class PickerChoiceField(forms.ModelChoiceField):
    """One object, picked by typing part of its name, from options grouped by `group_by(obj)` (units by region)."""

    iterator = GroupedModelChoiceIterator

    def __init__(self, *args: Any, group_by: Callable[[Any], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        make_picker(self, group_by)


class PickerMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several objects, picked by typing, from options grouped by `group_by(obj)` (a multi-select with tags)."""

    iterator = GroupedModelChoiceIterator

    def __init__(self, *args: Any, group_by: Callable[[Any], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        make_picker(self, group_by)
