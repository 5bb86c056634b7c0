"""The client's address for lockouts: the connection's, or behind N trusted proxies the N-th from the right of
X-Forwarded-For (what a client writes there itself is never believed)."""
from django.conf import settings


def client_ip(request) -> str:
    proxies = settings.QINGSHAN_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
