"""Personal data in reports: masking for display, and which identifiers are personal data.

>>> mask_name("张三明"), mask_name("阿卜杜拉·买买提"), mask_id("330102198001011234"), mask_phone("13812345678")
('张*明', '阿**提', '330102********1234', '138****5678')
>>> mask_address("浙江省杭州市上城区湖滨街道解放路1号")
'浙江省杭州市上城区***'
>>> looks_like_id("11010519491231002X"), looks_like_id("330102000000000096"), looks_like_phone("13812345678")
(True, False, True)
"""
from __future__ import annotations

import datetime as dt
import re

__all__ = ["Masker", "mask_name", "mask_id", "mask_phone", "mask_address", "looks_like_id", "looks_like_phone",
           "is_personal_id", "ID_CARD_TYPE"]

_NAME_STARS = 2
ID_CARD_TYPE = "02"  # mdtrt_cert_type: the voucher is the resident ID card, so its number is the ID number
_ID18 = re.compile(r"^(\d{6})(\d{8})(\d{3})([\dXx])$")
_ID15 = re.compile(r"^(\d{6})(\d{6})(\d{3})$")
_PHONE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_DISTRICT = re.compile(r"^(.*?(?:区|县|旗))")
_CITY = re.compile(r"^(.*?市)")


def mask_name(name: str | None) -> str | None:
    """Family name and last character kept; at most two stars, so a long name does not show its length."""
    if not name:
        return name
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * min(len(name) - 2, _NAME_STARS) + name[-1]


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


def _date(text: str) -> bool:
    try:
        day = dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return False
    return dt.date(1880, 1, 1) <= day <= dt.date.today()


def looks_like_id(value: str | None) -> bool:
    """A resident ID number: 18 characters with a real birth date and a valid check digit, or the old 15 digits.

    Insurance person numbers (psn_no) are often 18 digits too; the birth date and check digit tell them apart.
    """
    if not value:
        return False
    value = str(value).strip()
    match = _ID18.match(value)
    if match:
        total = sum(int(d) * w for d, w in zip(value[:17], _WEIGHTS))
        return _date(match.group(2)) and _CHECK[total % 11] == value[17].upper()
    match = _ID15.match(value)
    return match is not None and _date("19" + match.group(2))


def looks_like_phone(value: str | None) -> bool:
    """A mainland mobile number (a phone used as an identifier is personal data)."""
    return bool(value) and bool(_PHONE.match(str(value).strip().replace("-", "").replace(" ", "")))


def is_personal_id(value: str | None, cert_type: str | None = None) -> bool:
    """An identifier that is itself personal data: an ID number, a phone, or an ID-card voucher (type 02)."""
    return bool(value) and (cert_type == ID_CARD_TYPE or looks_like_id(value) or looks_like_phone(value))


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
        """Card numbers are not personal data unless they are ID numbers or phones."""
        if looks_like_phone(v):
            return self.phone(v)
        return self.id_number(v) if looks_like_id(v) else v
