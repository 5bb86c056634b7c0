"""How a sender signs a request, and how we check it (documented for senders in the README).

    X-Qingshan-Sender:    the sender's code
    X-Qingshan-Timestamp: Unix seconds when the request was made (refused outside ±INTAKE_TIMESTAMP_WINDOW_SECONDS)
    X-Qingshan-Signature: "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body bytes)
    Idempotency-Key:      the sender's own alert id; a retry with the same key never makes a second problem

Signing the timestamp with the body means an old request cannot be replayed with a fresh timestamp.
"""
import hashlib
import hmac
import secrets


def new_secret() -> str:
    """A fresh random signing secret (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value of X-Qingshan-Signature for this timestamp and body."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_matches(secret: str, timestamp: str, body: bytes, given: str) -> bool:
    """Constant-time comparison of the given signature with the one we compute."""
    return hmac.compare_digest(signature(secret, timestamp, body), given or "")


def secret_digest(secret: str) -> str:
    """SHA-256 of a secret: how a sender is looked up by its Open311 api_key without storing the key in clear."""
    return hashlib.sha256(secret.encode()).hexdigest()
