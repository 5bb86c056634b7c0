"""The unread-reminder count shown in the navigation bar."""


def unread_reminders(request):
    """{"reminders_unread": n} for a logged-in user (one indexed COUNT), 0 otherwise."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"reminders_unread": 0}
    from .selectors import unread_count

    return {"reminders_unread": unread_count(user=user)}
