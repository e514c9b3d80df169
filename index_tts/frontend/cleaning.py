"""First pass over raw text: fold full-width forms, strip control characters, drop emoji.

Symbols the normalizers know how to read (currency, units, math signs) are kept;
anything else that cannot be spoken is dropped here so later stages only see
letters, digits, known symbols and punctuation.
"""

import re
import unicodedata

# Symbols the language normalizers verbalize; every other "symbol" character is dropped.
KEPT_SYMBOLS = set("%‰℃℉°¥￥$€£~～+-=×÷/@#&.:,;!?'\"()[]“”‘’《》「」『』【】、。，！？；：…—–·_")


# Full-width marks that Chinese text uses as its own punctuation stay as they are.
_CJK_PUNCTUATION = set("，！？：；（）￥")


def fold_width(text: str) -> str:
    """Full-width ASCII (Ａ１！) and the ideographic space become their ASCII forms."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E and ch not in _CJK_PUNCTUATION:
            out.append(chr(code - 0xFEE0))
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _keep(ch: str) -> bool:
    if ch in KEPT_SYMBOLS or ch in "\n ":
        return True
    cat = unicodedata.category(ch)
    if cat[0] in "LN":
        return True
    if cat[0] == "M":  # combining marks inside words (e.g. accents); variation selectors are dropped
        return not 0xFE00 <= ord(ch) <= 0xFE0F
    return False


def clean_text(text: str) -> str:
    """Fold widths, turn tabs and control characters into spaces, drop emoji and unknown symbols."""
    text = fold_width(unicodedata.normalize("NFC", text))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = "".join(ch if _keep(ch) else (" " if unicodedata.category(ch) == "Cc" else "") for ch in text)
    text = re.sub(r"[ ]{2,}", " ", text)
    return re.sub(r"\n{2,}", "\n", text).strip()
