"""First sound for a lone visitor: seconds from sending ``POST /v1/audio/speech`` (streamed pcm) to the
first *audible* sample, per language and voice, on the app as people start it (``./start_app.sh``).

The first audible sample is the first 10 ms window whose RMS is above ``AUDIBLE_DBFS``; its time is
when the bytes holding it arrived. The first byte is reported too (silence sent first would make the
two differ). One visitor alone: each request is read to the end before the next is sent, and the
server has nothing else to do. The audio cache is off, so every segment is rendered.

Sentences: ``DEV`` is what engine and segmenting changes may be tried on; ``HELD_OUT`` (reported) was
written before any figure was looked at and is not used to choose anything.

``render_rtf_p50`` is the median of a request's whole time over its audio's length. It moves with the
machine's speed, which drifts (a slow spell shows here), and a little with the voice (the same text is
less audio from a quicker speaker, against the same fixed costs).

Usage: python -m bench.first_sound [--set held_out|dev] [--voices a,b] [--repeats 1] [--flags "..."]
                                   [--json ROWS] [--pool EARLIER_ROWS ...] [--write]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from bench.common import percentile
from bench.report import table, write_section
from testkit.app_process import AppProcess, start_app

HEADING = "## First sound for a lone visitor (`bench/first_sound.py`)"
AUDIBLE_DBFS = -40.0
WINDOW = 240  # 10 ms at 24 kHz
SAMPLE_RATE = 24000

DEV = {
    "zh": [
        "图书馆的开放时间调整为每天上午九点到晚上九点。",
        "这次活动吸引了来自全国各地的两千多名志愿者。",
        "请把您的行李放在座位上方的行李架上。",
        "我们下周一上午召开项目启动会，请大家准时参加。",
    ],
    "en": [
        "Please keep your ticket until the end of the journey.",
        "The museum shop closes thirty minutes before the galleries do.",
        "Our new app helps you plan a trip in a few minutes.",
        "Breakfast is served on the second floor from seven until ten.",
    ],
    "mixed": [
        "这款app的新版本下周上线。",
        "请在今天下班前把PPT发给我。",
        "我们用Python写了一个小工具。",
        "他在Google工作了五年多。",
    ],
}
HELD_OUT = {
    "zh": [
        "春天来了，河边的柳树发出了嫩绿的新芽。",
        "由于天气原因，原定于今晚的航班推迟起飞。",
        "爷爷每天傍晚都会在小区里散步半个小时。",
        "这座古老的石桥已经有八百多年的历史了，至今仍在使用。",
        "请各位乘客系好安全带，飞机即将降落。",
        "她用三年时间学会了弹钢琴，还参加了市里的比赛。",
    ],
    "en": [
        "The weather forecast says it will rain all afternoon.",
        "Could you tell me how to get to the railway station?",
        "Our team finished the project two weeks ahead of schedule.",
        "Children under twelve must be accompanied by an adult.",
        "The library has more than a million books on its shelves.",
        "Thank you for waiting, your order will be ready shortly.",
    ],
    "mixed": [
        "明天的meeting改到下午两点。",
        "我刚下载了一个新的music软件。",
        "这个project的预算还需要再讨论。",
        "她每天早上都会看一会儿YouTube。",
        "请用email把合同发给法务部门。",
        "我们的website今天晚上要维护。",
    ],
}
SETS = {"dev": DEV, "held_out": HELD_OUT}


def first_audible(pcm: np.ndarray, threshold_dbfs: float = AUDIBLE_DBFS) -> int | None:
    """Index of the first sample of the first 10 ms window whose RMS is above ``threshold_dbfs``."""
    count = len(pcm) // WINDOW
    if count == 0:
        return None
    frames = pcm[: count * WINDOW].reshape(count, WINDOW)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    loud = np.flatnonzero(20 * np.log10(np.maximum(rms, 1e-9)) > threshold_dbfs)
    return int(loud[0]) * WINDOW if len(loud) else None


def one_request(http: httpx.Client, url: str, text: str, voice: str) -> dict:
    """Send one streamed request, read it to the end; times of the first byte and the first audible sample."""
    body = {"input": text, "voice": voice, "response_format": "pcm", "stream": True}
    arrivals: list[tuple[int, float]] = []  # (bytes received so far, when)
    chunks: list[bytes] = []
    started = time.perf_counter()
    with http.stream("POST", f"{url}/v1/audio/speech", json=body) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            if chunk:
                chunks.append(chunk)
                arrivals.append((sum(len(c) for c in chunks), time.perf_counter() - started))
    data = b"".join(chunks)
    pcm = np.frombuffer(data[: len(data) // 2 * 2], np.int16).astype(np.float32) / 32768
    sample = first_audible(pcm)
    audible_s = None
    if sample is not None:
        needed = (sample + WINDOW) * 2
        audible_s = next(at for size, at in arrivals if size >= needed)
    return {
        "first_byte_s": arrivals[0][1] if arrivals else None,
        "first_audible_s": audible_s,
        "audio_s": len(pcm) / SAMPLE_RATE,
        "total_s": time.perf_counter() - started,
    }


def measure(url: str, sentences: dict[str, list[str]], voices: list[str], repeats: int = 1) -> list[dict]:
    """Every sentence by every voice, ``repeats`` times, one at a time; one row per request.

    Sentence by sentence, each read by every voice in turn: this machine's speed drifts by up to 2x within
    a quarter of an hour, and voice after voice put a slow spell on a few voices' figures alone."""
    rows = []
    with httpx.Client(timeout=httpx.Timeout(300, connect=10)) as http:
        one_request(http, url, "预热一下。", voices[0])  # the first request after start is not a visitor's
        for _ in range(repeats):
            for language, texts in sentences.items():
                for text in texts:
                    for voice in voices:
                        row = one_request(http, url, text, voice)
                        rows.append({"language": language, "voice": voice, "text": text, **row})
    return rows


def summarize(rows: list[dict], key: str = "language") -> list[dict]:
    """P50 and P90 of first audible sample and first byte, per ``key`` value, and over all."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    groups["all"] = rows
    out = []
    for name, members in groups.items():
        audible = [r["first_audible_s"] for r in members if r["first_audible_s"] is not None]
        first = [r["first_byte_s"] for r in members if r["first_byte_s"] is not None]
        rtf = [r["total_s"] / r["audio_s"] for r in members if r["audio_s"]]
        out.append(
            {
                key: name,
                "requests": len(members),
                "first_audible_p50_s": round(statistics.median(audible), 3) if audible else None,
                "first_audible_p90_s": round(percentile(audible, 90), 3),
                "first_byte_p50_s": round(statistics.median(first), 3) if first else None,
                "silent": len(members) - len(audible),
                "render_rtf_p50": round(statistics.median(rtf), 3) if rtf else None,
            }
        )
    return out


def voices_of(url: str) -> list[str]:
    data = httpx.get(f"{url}/v1/audio/voices", timeout=10).json()
    listed = data.get("voices", data) if isinstance(data, dict) else data
    return [v["id"] if isinstance(v, dict) else v for v in listed]


def serve_and_measure(flags: list[str], sentences: dict[str, list[str]], voices: list[str] | None, repeats: int) -> list[dict]:
    """Start the app with ``--no-cache`` and ``flags``, measure, stop it."""
    with tempfile.TemporaryDirectory(prefix="first-sound-") as run_dir:
        app: AppProcess = start_app(Path(run_dir), "--no-cache", *flags)
        try:
            app.wait_healthy()
            return measure(app.url, sentences, voices or voices_of(app.url), repeats)
        finally:
            app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=sorted(SETS), default="held_out")
    parser.add_argument("--voices", default="", help="comma-separated (default: every voice the app lists)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--flags", default="", help="extra ./start_app.sh flags")
    parser.add_argument("--json", type=Path, help="also write every request's row here")
    parser.add_argument("--pool", type=Path, nargs="*", default=[], help="rows of earlier runs (--json) to add to the figures")
    parser.add_argument("--write", action="store_true", help="replace the section in BENCHMARKS.md")
    args = parser.parse_args()
    voices = [v for v in args.voices.split(",") if v] or None
    rows = serve_and_measure(args.flags.split(), SETS[args.set], voices, args.repeats)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    for earlier in args.pool:
        rows += json.loads(earlier.read_text(encoding="utf-8"))
    by_language, by_voice = summarize(rows), summarize(rows, "voice")
    print(table(by_language))
    print()
    print(table(by_voice))
    if args.write:
        write_section(HEADING, f"{HEADING}\n\n{table(by_language)}\n\n{table(by_voice)}\n")


if __name__ == "__main__":
    main()
