"""Where a ``next`` parameter may send someone: only to a path on this site."""
from __future__ import annotations

from typing import TypeGuard
from urllib.parse import urlsplit


def is_safe_next(target: str | None) -> TypeGuard[str]:
    if not target or len(target) > 2000:
        return False
    if any(ord(char) < 32 or char in "\\\x7f" for char in target):
        return False  # control characters, tabs and backslashes have all bypassed validators
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str) -> str:
    return target if is_safe_next(target) else fallback
