"""The unread-reminder count shown in the navigation bar."""


def unread_reminders(request):
    """{"reminders_unread": n (counted up to 100), "reminders_unread_label": "n" or "99+"} for a logged-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"reminders_unread": 0, "reminders_unread_label": ""}
    from .selectors import BADGE_CAP, badge_label, unread_count

    count = getattr(request, "reminders_unread", None)  # the inbox page counted them already
    if count is None:
        count = unread_count(user=user, cap=BADGE_CAP)
    return {"reminders_unread": count, "reminders_unread_label": badge_label(count)}
