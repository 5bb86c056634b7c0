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
    """张三丰 → 张**; keeps only the family name."""
    name = name.strip()
    return (name[0] + "*" * (len(name) - 1)) if name else ""


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    digits = phone.strip()
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)
