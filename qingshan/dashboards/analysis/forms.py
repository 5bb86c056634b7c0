"""The filters of 一键分析 and the 体检报告: the overview's period, as-of date and district (both ends required)."""

from ..forms import OverviewForm

REQUIRED = {"required": "一键分析和体检报告需要填写完整的受理日期起止，以便与上一期、去年同期比较。"}


class AnalysisForm(OverviewForm):
    """OverviewForm without the map's measure; the period's two ends are required."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["measure"]
        for name in ("received_from", "received_to"):
            self.fields[name].required = True
            self.fields[name].error_messages.update(REQUIRED)

    @classmethod
    def from_query(cls, query, *, districts, measures=()) -> "AnalysisForm":
        form = super().from_query(query, districts=districts, measures=[])
        return form  # type: ignore[return-value]


class HealthForm(AnalysisForm):
    """The 体检报告 covers one unit wherever its problems are: no district."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["region"]
