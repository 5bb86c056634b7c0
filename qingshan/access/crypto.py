"""Encryption of personal data at rest (Fernet, keys from settings, rotation by listing the new key first)."""
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in settings.FIELD_ENCRYPTION_KEYS if k.strip()])


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError("个人信息密钥不匹配，无法解密。请检查 QINGSHAN_FIELD_KEYS 配置。") from exc


def mask_name(name: str) -> str:
    """张三丰 → 张**, 张三 → 张*, 张 → *: only the first character of a name of two or more is shown."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


def mask_phone(phone: str) -> str:
    """13812345678 → 13*******78: at most the first 3 and the last 2 characters, never more than 40 % of them.

    The budget is a share of the length so that short numbers (a 7- or 8-digit landline) are not guessable from
    what is shown; masking an already masked value again is safe (it only hides more).
    """
    phone = phone.strip()
    shown = len(phone) * 2 // 5
    tail = min(2, shown // 2)
    head = min(3, shown - tail)
    return phone[:head] + "*" * (len(phone) - head - tail) + (phone[len(phone) - tail:] if tail else "")


def mask_identifier(value: object) -> object:
    """A personal identifier (身份证号, phone) as lists show it: `mask_phone`'s budget, safe for every length; empty
    values and non-text stay as they are."""
    if value is None or value == "":
        return value
    return mask_phone(str(value))
