"""Template context every page needs: the navigation entries this user may use (access decides them)."""
from django.http import HttpRequest

from .actors import profile_of


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    profile = profile_of(user)
    return {"nav_profile": profile, "nav_orgs": sorted({str(m.organisation) for m in profile.memberships})}
