"""Time limits of the discipline loop in working days (domain §5). The rules' values are the defaults; a
deployment may set QINGSHAN_CLUE_DAYS in its settings to change one (e.g. {"inquiry_reply": 20})."""
from django.conf import settings

DEFAULT_DAYS = {
    "acceptance_notice": 15,  # 受理告知, from receipt
    "forward_up": 5,  # 上交, from receipt
    "down_accept": 5,  # the lower level accepts a 下转, from the transfer
    "inquiry_reply": 15,  # 函询 reply, from sending
    "result_notice": 15,  # 结果告知, from closing
}


# The quarterly report-back to 信访室 is due this many calendar days after the quarter ends (每季度结束后十五日内).
QUARTER_REPORT_DAYS = 15


def days(name: str) -> int:
    """The working days allowed for `name`."""
    return int(getattr(settings, "QINGSHAN_CLUE_DAYS", {}).get(name, DEFAULT_DAYS[name]))
