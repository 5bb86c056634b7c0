"""Errors that services raise; their message is shown to the user as it is, so it is in Chinese."""


class ServiceError(Exception):
    """A refused action: the message says why. Nothing was changed."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionRefused(ServiceError):
    """The actor may not do this to this object."""


# What a caller is told of an object that is missing or not theirs to see (the two read the same on purpose).
NOT_FOUND_MESSAGE = "未找到该记录，或您无权查看。"


class NotFound(Exception):
    """The object does not exist or the user may not see it (the two are indistinguishable on purpose)."""


def stated_reason(reason: str | None, *, missing: str, what: str = "事由", max_length: int = 200) -> str:
    """A reason the user must give (a share, a reveal of personal data), stripped; refused on `reason` when blank
    (with `missing`) or longer than `max_length`."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(missing, field="reason")
    if len(reason) > max_length:
        raise ServiceError(f"{what}不能超过 {max_length} 个字。", field="reason")
    return reason
