"""Masking of personal data in reports (unless ``--reveal-pii``).

>>> mask_name("张三明"), mask_id("330102198001011234"), mask_phone("13812345678")
('张*明', '330102********1234', '138****5678')
>>> mask_address("浙江省杭州市上城区湖滨街道解放路1号")
'浙江省杭州市上城区***'
"""
from __future__ import annotations

import re

__all__ = ["Masker", "mask_name", "mask_id", "mask_phone", "mask_address", "looks_like_id"]

_ID = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
_DISTRICT = re.compile(r"^(.*?(?:区|县|旗))")
_CITY = re.compile(r"^(.*?市)")


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id(value: str | None) -> str | None:
    if not value:
        return value
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 4, 1) + value[-2:]
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str | None) -> str | None:
    """Keep the district (区/县), drop street and number."""
    if not value:
        return value
    match = _DISTRICT.match(value) or _CITY.match(value)
    return (match.group(1) if match else value[:2]) + "***"


def looks_like_id(value: str | None) -> bool:
    """A resident ID number (used as a card number with mdtrt_cert_type 02)."""
    return bool(value) and bool(_ID.match(value))


class Masker:
    """Applies masking to every personal field unless ``reveal`` is set."""

    def __init__(self, reveal: bool = False):
        self.reveal = reveal

    def name(self, v: str | None) -> str | None:
        return v if self.reveal else mask_name(v)

    def id_number(self, v: str | None) -> str | None:
        return v if self.reveal else mask_id(v)

    def phone(self, v: str | None) -> str | None:
        return v if self.reveal else mask_phone(v)

    def address(self, v: str | None) -> str | None:
        return v if self.reveal else mask_address(v)

    def card(self, v: str | None) -> str | None:
        """Card numbers are not personal data unless they are ID numbers."""
        return self.id_number(v) if looks_like_id(v) else v
