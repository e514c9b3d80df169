"""Chinese text normalization: numbers, dates, times, money, units and symbols become words.

Rules run in a fixed order, most specific first (an e-mail before a decimal,
a phone number before a range). Number words come from ``cn2an``.
"""

import re
from collections.abc import Callable

import cn2an

from .script import HAN

NUM = r"\d+(?:\.\d+)?"
_DIGITS = "零一二三四五六七八九"
_PHONE_DIGITS = "零幺二三四五六七八九"

_UNITS = {
    "km/h": "公里每小时",
    "m/s": "米每秒",
    "kg": "千克",
    "mg": "毫克",
    "g": "克",
    "km": "公里",
    "cm": "厘米",
    "mm": "毫米",
    "m": "米",
    "ms": "毫秒",
    "μs": "微秒",
    "ns": "纳秒",
    "s": "秒",
    "min": "分钟",
    "h": "小时",
    "ml": "毫升",
    "mL": "毫升",
    "L": "升",
    "GHz": "吉赫兹",
    "MHz": "兆赫兹",
    "kHz": "千赫兹",
    "Hz": "赫兹",
    "kW": "千瓦",
    "W": "瓦",
    "mAh": "毫安时",
    "V": "伏",
    "dB": "分贝",
}
# Storage units are read as letters ("G B"), as Chinese speakers do.
_LETTER_UNITS = ("TB", "GB", "MB", "KB", "Gb", "Mb", "Kb", "B")
_MONEY_PREFIX = {"¥": "元", "￥": "元", "$": "美元", "€": "欧元", "£": "英镑"}
_LIANG_BEFORE = "个位只本次件条张台种名块辆层家架头双对副把岁年天周斤两小"
_SYMBOLS = {"+": "加", "=": "等于", "×": "乘", "÷": "除以", "&": "和", "@": "艾特", "#": "井号"}


def digits(text: str, phone: bool = False) -> str:
    """Read a digit string one digit at a time (``phone`` reads 1 as 幺)."""
    table = _PHONE_DIGITS if phone else _DIGITS
    return "".join(table[int(d)] if d.isdigit() else "" for d in text)


def number(text: str) -> str:
    """Read an integer or decimal as a Chinese number (两千 rather than 二千, digits for long ids)."""
    text = text.replace(",", "")
    negative = text.startswith("-")
    text = text.lstrip("-+")
    whole, _, frac = text.partition(".")
    if (len(whole) > 1 and whole.startswith("0")) or len(whole) > 16:
        words = digits(whole)
    else:
        words = cn2an.an2cn(whole or "0")
        words = re.sub(r"^二(?=[千万亿])", "两", words)
    if frac:
        words += "点" + digits(frac)
    return ("负" if negative else "") + words


def _year(text: str) -> str:
    return digits(text)


def _date_ymd(m: re.Match) -> str:
    year, month, day = m.group("y"), int(m.group("m")), int(m.group("d"))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m.group(0)
    return f"{_year(year)}年{number(str(month))}月{number(str(day))}日"


def _time(m: re.Match) -> str:
    hour, minute, second = int(m.group("h")), int(m.group("mi")), m.group("s")
    if hour > 24 or minute > 59 or (second is not None and int(second) > 59):
        return m.group(0)
    out = ("两" if hour == 2 else number(str(hour))) + "点"
    if second is not None:
        return out + _minute(minute) + "分" + number(str(int(second))) + "秒"
    return out + ("整" if minute == 0 else _minute(minute) + "分")


def _minute(minute: int) -> str:
    return ("零" if minute < 10 else "") + number(str(minute))


def _money(m: re.Match) -> str:
    amount = m.group("n")
    if "." in amount:
        amount = amount.rstrip("0").rstrip(".")
    return number(amount) + _MONEY_PREFIX[m.group("c")]


def _percent(m: re.Match) -> str:
    value = m.group("n")
    sign = "负" if value.startswith("-") else ""
    word = "千分之" if m.group("p") == "‰" else "百分之"
    return sign + word + number(value.lstrip("-"))


def _temperature(m: re.Match) -> str:
    scale = {"℃": "摄氏度", "°C": "摄氏度", "℉": "华氏度", "°F": "华氏度", "°": "度"}[m.group("u")]
    value = m.group("n")
    return ("零下" + number(value[1:]) if value.startswith("-") else number(value)) + scale


def _unit(m: re.Match) -> str:
    return number(m.group("n")) + _UNITS[m.group("u")]


def _letter_unit(m: re.Match) -> str:
    return number(m.group("n")) + m.group("u").upper()


def _range(m: re.Match) -> str:
    return number(m.group("a")) + "到" + number(m.group("b"))


def _url(m: re.Match) -> str:
    url = re.sub(r"^https?://", "", m.group(0)).rstrip("/")
    return _spell_address(url)


def _email(m: re.Match) -> str:
    local, domain = m.group(0).split("@", 1)
    return _spell_address(local) + " 艾特 " + _spell_address(domain)


def _spell_address(text: str) -> str:
    """Read an address: dots, slashes and dashes as words, digits one at a time, letters as they are."""
    parts = re.split(r"([./\-_:?=&])", text)
    names = {".": " 点 ", "/": " 斜杠 ", "-": " 杠 ", "_": " 下划线 ", ":": " 冒号 ", "?": " 问号 ", "=": " 等于 ", "&": " 和 "}
    out = []
    for part in parts:
        if part in names:
            out.append(names[part])
        elif part.lower() == "www":
            out.append(" WWW ")
        else:
            out.append(re.sub(r"\d+", lambda d: digits(d.group(0)), part))
    return re.sub(r"\s+", " ", "".join(out)).strip()


_RULES: list[tuple[re.Pattern, Callable[[re.Match], str] | str]] = [
    (re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), _email),
    (re.compile(r"(?:https?://|www\.)[^\s\u3400-\u9fff，。！？；、]+"), _url),
    (re.compile(r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"), _date_ymd),
    (re.compile(r"(?<![\d.])(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\.?\d)"), _date_ymd),
    (re.compile(r"(?<!\d)(\d{4})\s*年"), lambda m: _year(m.group(1)) + "年"),
    (re.compile(r"(?<![\d:])(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?!\.?\d)"), _time),
    (re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d[- ]?\d{4}[- ]?\d{4})(?!\d)"), lambda m: digits(m.group(1), phone=True)),
    (re.compile(r"(?<!\d)((?:0\d{2,3}|400|800)-\d{3,4}-?\d{4})(?!\d)"), lambda m: digits(m.group(1), phone=True)),
    (re.compile(r"(?P<c>[¥￥$€£])\s*(?P<n>\d+(?:,\d{3})*(?:\.\d+)?)"), _money),
    (re.compile(r"(?P<n>-?" + NUM + r")\s*(?P<p>[%‰])"), _percent),
    (re.compile(r"(?P<n>-?" + NUM + r")\s*(?P<u>℃|℉|°C|°F|°)"), _temperature),
    (re.compile(r"(?<![\d/])(\d+)/(\d+)(?!\.?\d)"), lambda m: number(m.group(2)) + "分之" + number(m.group(1))),
    (re.compile(r"(?<![\d.])(?P<a>" + NUM + r")\s*[~～\-–—至]\s*(?P<b>" + NUM + r")(?!\.?\d)"), _range),
    (re.compile(r"(?P<n>" + NUM + r")\s*(?P<u>" + "|".join(map(re.escape, _LETTER_UNITS)) + r")(?![A-Za-z])"), _letter_unit),
    (
        re.compile(
            r"(?P<n>" + NUM + r")\s*(?P<u>" + "|".join(map(re.escape, sorted(_UNITS, key=len, reverse=True))) + r")(?![A-Za-z/])"
        ),
        _unit,
    ),
    (re.compile(r"第\s*(\d+)"), lambda m: "第" + number(m.group(1))),
    (re.compile(r"(?<![\d.])2(?=[" + _LIANG_BEFORE + r"])"), "两"),
    (re.compile(r"(?<![\dA-Za-z.])-(?=\d)"), "负"),
    (re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"), lambda m: number(m.group(0))),
]


def normalize_zh(text: str) -> str:
    """Verbalize everything in a Chinese sentence that is not already words."""
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    for sym, word in _SYMBOLS.items():
        text = text.replace(sym, word)
    text = re.sub(r"[~～]", "到", text)
    return re.sub(f"(?<=[{HAN}])\\s+|\\s+(?=[{HAN}])", "", text)  # spaces next to Chinese mean nothing
