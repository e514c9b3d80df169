"""Inputs a stranger at an exhibition (or a script) might send: every one must give audio or a clear error.

``TEXTS`` are texts sent with default settings; ``SETTINGS`` are a normal text with one bad setting.
Each entry is (name, value); settings name the field they change in the UI/API vocabulary.
"""

from __future__ import annotations

import math

NORMAL = "你好，欢迎光临。"

TEXTS: list[tuple[str, str]] = [
    ("empty", ""),
    ("spaces", "   \t  "),
    ("newlines only", "\n\n\n\r\n"),
    ("only emoji", "🎉🎉🔥👍"),
    ("only punctuation", "。。。！！？？……"),
    ("only symbols", "§¶†‡※☆★○●◎◇◆"),
    ("null bytes", "你好\x00\x00世界"),
    ("bell and escape", "\x07\x1b[31m红色文字\x1b[0m"),
    ("all C0 controls", "".join(chr(c) for c in range(32)) + "好"),
    ("DEL and C1", "\x7f\x80\x9f测试"),
    ("right-to-left override", "\u202eabc 你好\u202c"),
    ("zero-width characters", "你\u200b好\u200c世\u200d界\ufeff"),
    ("combining marks pile", "Z̷̢̛̖̟͔̀͑a̵̧̛͓͌l̸̡̛̹͂g̷̨̛̰͊o"),
    ("byte order mark", "\ufeff\ufeffHello"),
    ("non-breaking spaces", "你好\u00a0\u00a0朋友\u2003\u2009"),
    ("over the length limit", "字" * 5001),
    ("one very long latin word", "a" * 600),
    ("one very long number", "9" * 300),
    ("huge scientific number", "1e308 和 -1e-308"),
    ("sql injection", "'; DROP TABLE users; --"),
    ("html script", "<script>alert('x')</script>你好"),
    ("ssml tags", "<speak><prosody rate='x-fast'>快</prosody></speak>"),
    ("path traversal", "../../../../etc/passwd"),
    ("format strings", "{0} {1!r} %s %n %x {text}"),
    ("backslashes", "\\\\server\\share\\n\\t"),
    ("markdown", "# 标题\n**粗体** _斜体_ [链接](http://x)"),
    ("url and email", "访问 https://example.com/a?b=c 或写信到 a@b.cn"),
    ("korean", "안녕하세요 반갑습니다"),
    ("arabic", "مرحبا بالعالم"),
    ("thai", "สวัสดีครับ"),
    ("cyrillic", "Привет, мир"),
    ("devanagari", "नमस्ते दुनिया"),
    ("cjk extension b", "𠀀𠀁𠀂𪚥"),
    ("math alphanumerics", "𝐇𝐞𝐥𝐥𝐨 𝟏𝟐𝟑"),
    ("fullwidth latin", "ＨＥＬＬＯ１２３！"),
    ("halfwidth katakana", "ｺﾝﾆﾁﾊ"),
    ("mixed everything", "Hi你好こんにちは안녕🎉123%$€"),
    ("repeated punctuation storm", "好" + "！？" * 400),
    ("thousands of commas", "，" * 2000 + "好"),
    ("many short lines", "好\n" * 30),
    ("tabs everywhere", "\t你\t好\t"),
    ("ascii art", "(╯°□°）╯︵ ┻━┻"),
    ("the word null", "null"),
    ("json in text", '{"text": "x", "voice": "../../x"}'),
    ("shell injection", "$(rm -rf /); `reboot`"),
    ("dates and units extremes", "公元前99999年13月45日 25:61，-273.16℃，999999999999亿元"),
]

# (name, field, value): the UI/API field that is set to a bad value on top of NORMAL.
SETTINGS: list[tuple[str, str, object]] = [
    ("speed NaN", "speed", math.nan),
    ("speed infinite", "speed", math.inf),
    ("speed negative", "speed", -1.0),
    ("speed zero", "speed", 0.0),
    ("speed huge", "speed", 1e9),
    ("pitch NaN", "pitch", math.nan),
    ("pitch huge", "pitch", 1e308),
    ("pitch negative huge", "pitch", -500.0),
    ("weight above one", "emotion_weight", 2.0),
    ("weight negative", "emotion_weight", -0.5),
    ("weight NaN", "emotion_weight", math.nan),
    ("unknown voice", "voice", "nobody"),
    ("voice as a path", "voice", "../../etc/passwd"),
    ("voice with null byte", "voice", "jf_alpha\x00"),
    ("voice very long", "voice", "v" * 5000),
    ("blend with NaN weight", "voice", "jf_alpha:nan+jm_kumo:1"),
    ("blend with zero weights", "voice", "jf_alpha:0+jm_kumo:0"),
    ("blend with unknown part", "voice", "jf_alpha:0.5+../x:0.5"),
    ("blend empty parts", "voice", "+++"),
    ("unknown language", "language", "xx"),
    ("segment length zero", "max_segment", 0),
    ("segment length huge", "max_segment", 10**9),
    ("seed negative", "seed", -1),
    ("seed enormous", "seed", 2**80),
    ("emotion description huge", "emotion_text", "开心" * 5000),
    ("emotion vector with NaN", "emotion", [math.nan] + [0.0] * 7),
    ("emotion vector too short", "emotion", [0.5, 0.5]),
    ("emotion value above one", "emotion", [5.0] + [0.0] * 7),
    ("unknown emotion name", "emotion", {"joy": 1.0}),
]
