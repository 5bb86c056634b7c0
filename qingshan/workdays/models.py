"""The admin-maintained holiday table, for years chinesecalendar does not cover (or to correct it)."""
from django.db import models


class CalendarYear(models.Model):
    """A year whose holiday arrangement has been entered in full from the State Council notice."""

    year = models.PositiveIntegerField("年份", unique=True)
    source = models.CharField("依据", max_length=200, help_text="如：国务院办公厅关于2027年部分节假日安排的通知")
    is_provisional = models.BooleanField("暂定", default=False, help_text="通知发布前的暂定安排，发布后须核对")

    class Meta:
        verbose_name = verbose_name_plural = "已录入年度"
        ordering = ["year"]

    def __str__(self):
        return f"{self.year}年"


class SpecialDay(models.Model):
    """A day whose status differs from the Monday–Friday rule: a holiday on a weekday or a make-up working day."""

    HOLIDAY = "holiday"
    WORKDAY = "workday"
    KIND_CHOICES = [(HOLIDAY, "放假"), (WORKDAY, "调休上班")]

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=KIND_CHOICES)
    name = models.CharField("节日", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"
