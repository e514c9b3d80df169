"""English text normalization: numbers, dates, times, money, units and symbols become words.

Number words come from ``num2words``; the rules run most specific first.
"""

import re
from collections.abc import Callable

from num2words import num2words

NUM = r"\d+(?:\.\d+)?"
_MONTHS = ("January February March April May June July August September October November December").split()
_UNITS = {
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "mph": ("mile per hour", "miles per hour"),
    "m/s": ("meter per second", "meters per second"),
    "kg": ("kilogram", "kilograms"),
    "mg": ("milligram", "milligrams"),
    "g": ("gram", "grams"),
    "km": ("kilometer", "kilometers"),
    "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"),
    "m": ("meter", "meters"),
    "ms": ("millisecond", "milliseconds"),
    "s": ("second", "seconds"),
    "min": ("minute", "minutes"),
    "h": ("hour", "hours"),
    "ml": ("milliliter", "milliliters"),
    "TB": ("terabyte", "terabytes"),
    "GB": ("gigabyte", "gigabytes"),
    "MB": ("megabyte", "megabytes"),
    "KB": ("kilobyte", "kilobytes"),
    "GHz": ("gigahertz", "gigahertz"),
    "MHz": ("megahertz", "megahertz"),
    "Hz": ("hertz", "hertz"),
    "kW": ("kilowatt", "kilowatts"),
    "W": ("watt", "watts"),
    "mAh": ("milliamp hour", "milliamp hours"),
    "dB": ("decibel", "decibels"),
    "lb": ("pound", "pounds"),
    "lbs": ("pound", "pounds"),
}
_MONEY = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "¥": ("yuan", "yuan", "fen", "fen"),
    "￥": ("yuan", "yuan", "fen", "fen"),
}
_ABBREVIATIONS = {
    "Mr.": "Mister",
    "Mrs.": "Missus",
    "Ms.": "Miz",
    "Dr.": "Doctor",
    "St.": "Saint",
    "vs.": "versus",
    "etc.": "et cetera",
    "e.g.": "for example",
    "i.e.": "that is",
    "No.": "number",
    "approx.": "approximately",
}
_DIGIT_WORDS = "zero one two three four five six seven eight nine".split()
_YEAR_CUE = re.compile(r"\b(?:in|since|year|by|from|until|of|before|after)\s+$", re.I)


def cardinal(text: str) -> str:
    """An integer or decimal in words, US style (no "and")."""
    text = text.replace(",", "")
    value: float | int = float(text) if "." in text else int(text)
    if isinstance(value, float):
        whole, frac = text.lstrip("-").split(".")
        words = num2words(int(whole)) + " point " + " ".join(_DIGIT_WORDS[int(d)] for d in frac)
        words = ("minus " if text.startswith("-") else "") + words
    else:
        words = num2words(value)
    return words.replace(" and ", " ").replace(",", "")


def digits(text: str) -> str:
    """Read digits one at a time (phone numbers, codes)."""
    return " ".join(_DIGIT_WORDS[int(d)] for d in text if d.isdigit())


def _year(value: int) -> str:
    return num2words(value, to="year").replace(" and ", " ") if 1000 <= value <= 2099 else cardinal(str(value))


def _date(m: re.Match) -> str:
    year, month, day = int(m.group("y")), int(m.group("m")), int(m.group("d"))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m.group(0)
    return f"{_MONTHS[month - 1]} {num2words(day, to='ordinal')}, {_year(year)}"


def _time(m: re.Match) -> str:
    hour, minute, second = int(m.group("h")), int(m.group("mi")), m.group("s")
    if hour > 24 or minute > 59 or (second is not None and int(second) > 59):
        return m.group(0)
    if second is not None:
        parts = [(hour, "hour"), (minute, "minute"), (int(second), "second")]
        return " ".join(f"{num2words(v)} {u}{'' if v == 1 else 's'}" for v, u in parts if v)
    if minute == 0:
        return f"{num2words(hour)} o'clock"
    return f"{num2words(hour)} {'oh ' if minute < 10 else ''}{num2words(minute)}"


def _money(m: re.Match) -> str:
    one, many, sub_one, sub_many = _MONEY[m.group("c")]
    amount = m.group("n").replace(",", "")
    whole, _, frac = amount.partition(".")
    units = int(whole)
    words = f"{cardinal(whole)} {one if units == 1 else many}"
    if frac and int(frac[:2].ljust(2, "0")):
        cents = int(frac[:2].ljust(2, "0"))
        words += f" and {num2words(cents)} {sub_one if cents == 1 else sub_many}"
    return words


def _fraction(m: re.Match) -> str:
    num, den = int(m.group(1)), int(m.group(2))
    if den == 0:
        return f"{cardinal(m.group(1))} over zero"
    if den == 2:
        name = "half" if num == 1 else "halves"
    elif den == 4:
        name = "quarter" if num == 1 else "quarters"
    else:
        name = num2words(den, to="ordinal") + ("" if num == 1 else "s")
    return f"{num2words(num)} {name}"


def _unit(m: re.Match) -> str:
    one, many = _UNITS[m.group("u")]
    return f"{cardinal(m.group('n'))} {one if m.group('n') == '1' else many}"


def _integer(m: re.Match) -> str:
    text = m.group(0)
    plain = text.replace(",", "")
    if "." not in plain and len(plain) == 4 and _YEAR_CUE.search(m.string[: m.start()]):
        return _year(int(plain))
    if "." not in plain and ((len(plain) > 1 and plain.startswith("0")) or len(plain) > 15):
        return digits(plain)
    return cardinal(text)


def _address(text: str) -> str:
    names = {
        ".": " dot ",
        "/": " slash ",
        "-": " dash ",
        "_": " underscore ",
        ":": " colon ",
        "?": " question mark ",
        "=": " equals ",
        "&": " and ",
    }
    text = re.sub(r"[./\-_:?=&]", lambda m: names[m.group(0)], text)
    text = re.sub(r"\d+", lambda m: " " + digits(m.group(0)) + " ", text)
    return re.sub(r"\s+", " ", text.replace("www", "WWW")).strip()


_RULES: list[tuple[re.Pattern, Callable[[re.Match], str] | str]] = [
    (
        re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
        lambda m: _address(m.group(0).split("@")[0]) + " at " + _address(m.group(0).split("@")[1]),
    ),
    (
        re.compile(r"(?:https?://|www\.)\S+?(?=[,;!?)]?(?:\s|$)|\.(?:\s|$))"),
        lambda m: _address(re.sub(r"^https?://", "", m.group(0)).rstrip("/")),
    ),
    (re.compile(r"(?<![\d.])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\.?\d)"), _date),
    (re.compile(r"(?<![\d:])(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?!\.?\d)"), _time),
    (re.compile(r"(?<!\d)(?:\+\d{1,3}[- ]?)?\(?\d{3}\)?[- ]\d{3}-\d{4}(?!\d)"), lambda m: digits(m.group(0))),
    (re.compile(r"(?P<c>[$€£¥￥])\s*(?P<n>\d+(?:,\d{3})*(?:\.\d+)?)"), _money),
    (re.compile(r"(?P<n>-?" + NUM + r")\s*%"), lambda m: cardinal(m.group("n")) + " percent"),
    (re.compile(r"(?P<n>-?" + NUM + r")\s*(?:℃|°C)"), lambda m: cardinal(m.group("n")) + " degrees Celsius"),
    (re.compile(r"(?P<n>-?" + NUM + r")\s*(?:℉|°F)"), lambda m: cardinal(m.group("n")) + " degrees Fahrenheit"),
    (re.compile(r"(?P<n>-?" + NUM + r")\s*°"), lambda m: cardinal(m.group("n")) + " degrees"),
    (re.compile(r"(?<![\d/])(\d+)/(\d+)(?!\.?\d)"), _fraction),
    (
        re.compile(r"(?<![\d.])(?P<a>" + NUM + r")\s*[~～–—-]\s*(?P<b>" + NUM + r")(?!\.?\d)"),
        lambda m: cardinal(m.group("a")) + " to " + cardinal(m.group("b")),
    ),
    (
        re.compile(
            r"(?P<n>" + NUM + r")\s*(?P<u>" + "|".join(map(re.escape, sorted(_UNITS, key=len, reverse=True))) + r")(?![A-Za-z/])"
        ),
        _unit,
    ),
    (re.compile(r"\b(\d+)(?:st|nd|rd|th)\b"), lambda m: num2words(int(m.group(1)), to="ordinal")),
    (re.compile(r"(?<![\w.])-(?=\d)"), "minus "),
    (re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"), _integer),
]
_SYMBOLS = {
    "+": " plus ",
    "=": " equals ",
    "×": " times ",
    "÷": " divided by ",
    "&": " and ",
    "@": " at ",
    "#": " number ",
    "~": " to ",
    "～": " to ",
}


def normalize_en(text: str) -> str:
    """Verbalize everything in an English sentence that is not already words."""
    for abbr, word in _ABBREVIATIONS.items():
        text = re.sub(r"(?<!\w)" + re.escape(abbr), word, text)
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    for sym, word in _SYMBOLS.items():
        text = text.replace(sym, word)
    return re.sub(r"[ ]{2,}", " ", text).strip()
