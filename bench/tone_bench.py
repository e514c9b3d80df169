"""Tone accuracy of the embedded engine, before (the model's own pitch) and after Mandarin intonation.

Usage: python -m bench.tone_bench [--voices jf_alpha,...] [--set held-out|dev] [--plots DIR]
                                  [--json OUT] [--before BEFORE.json] [--write]

For each shipped voice it synthesizes every isolated syllable of the test set
twice, with the model's own pitch and with tone contours, classifies each with
``tone_classifier`` on three pitch trackers (its own yin, and pyin and Praat as
independent judges) and reports the accuracies and the confusion. It also draws
the pitch of the 16 two-syllable tone pairs per voice, before and after, and
with ``--write`` records the table in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np

from bench.report import table, write_section
from index_tts.engines import create_engine
from index_tts.engines.base import SynthParams
from index_tts.frontend import TextFrontend
from testkit.tone_classifier import TRACKERS, classify, pitch_contour, reference_pitch

# Isolated syllables: one character per tone for each base, readings without ambiguity.
# The dev set was used while choosing the contours; the held-out set was not.
DEV_SET = "妈麻马骂 八拔把爸 汤糖躺烫 衣姨椅意 哥格葛个 夫服府父 居局举句 些鞋写谢 音银引印 千钱浅欠"
HELD_OUT_SET = (
    "诗十史是 书熟鼠树 通同桶痛 非肥匪费 青情请庆 呼湖虎护 方房访放 优油有又 翻烦反饭 "
    "鸡急几记 灰回毁会 风逢讽奉 弯完晚万 烟言眼燕 低敌底弟 搭达打大 多夺朵剁 期其起气"
)
TONE_PAIRS = [
    ["飞机", "新闻", "工厂", "音乐"],
    ["国家", "人民", "没有", "学校"],
    ["北京", "旅游", "水果", "好看"],
    ["唱歌", "问题", "电脑", "再见"],
]


def syllables(chars: str, frontend: TextFrontend) -> list[tuple[str, int]]:
    """(character, tone the front-end gives it) for every character of the set."""
    out = []
    for char in chars.replace(" ", ""):
        segment = frontend.process(char, "zh").segments[0]
        out.append((char, segment.syllables[0][2]))
    return out


def render(engine, frontend: TextFrontend, voice: str, items: list[tuple[str, int]]) -> list[np.ndarray]:
    return [engine.synthesize(frontend.process(char, "zh").segments[0], SynthParams(voice=voice)) for char, _ in items]


def measure(audios: list[np.ndarray], items: list[tuple[str, int]], tracker: str = "yin") -> tuple[float, Counter]:
    """Accuracy and confusion (expected, got) of one voice's syllables, by one pitch tracker."""
    contours = [pitch_contour(audio, tracker=tracker) for audio in audios]
    reference = reference_pitch(contours)
    confusion: Counter = Counter()
    for (_, tone), contour in zip(items, contours, strict=True):
        confusion[(tone, classify(contour, reference))] += 1
    correct = sum(n for (want, got), n in confusion.items() if want == got)
    return correct / len(items), confusion


def word_pitch(audio: np.ndarray) -> np.ndarray:
    """pyin F0 every 10 ms, NaN where unvoiced or more than 20 dB below the loudest frame."""
    import librosa

    from testkit.tone_classifier import HOP, SAMPLE_RATE

    f0, voiced, _ = librosa.pyin(audio, fmin=60, fmax=600, sr=SAMPLE_RATE, frame_length=2048, hop_length=HOP)
    rms = librosa.feature.rms(y=audio, frame_length=1024, hop_length=HOP)[0][: len(f0)]
    level = 20 * np.log10(rms + 1e-9)
    return np.where(voiced & (level >= level.max() - 20), f0, np.nan)


def plot_pairs(engines: dict, frontend: TextFrontend, voice: str, path: Path) -> None:
    """4x4 grid of the two-syllable tone pairs: pitch in semitones, before (grey) and after (blue)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from testkit.tone_classifier import HOP, SAMPLE_RATE

    fig, axes = plt.subplots(4, 4, figsize=(10, 8), sharey=True)
    for row, words in enumerate(TONE_PAIRS):
        for col, word in enumerate(words):
            ax = axes[row][col]
            segment = frontend.process(word, "zh").segments[0]
            for label, colour in (("before", "0.6"), ("after", "tab:blue")):
                audio = engines[label].synthesize(segment, SynthParams(voice=voice))
                f0 = word_pitch(audio)
                ref = np.nanmedian(f0)
                ax.plot(np.arange(len(f0)) * HOP / SAMPLE_RATE, 12 * np.log2(f0 / ref), color=colour, label=label)
            ax.set_title(f"{word} {row + 1}-{col + 1}", fontname="Noto Sans CJK JP", fontsize=10)
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"{voice}: pitch of the 16 tone pairs (semitones around the word's median)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _errors(confusion: Counter) -> str:
    wrong = Counter({f"{want}→{got}": n for (want, got), n in confusion.items() if want != got})
    return ", ".join(f"{k}×{n}" for k, n in wrong.most_common(4)) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", default="", help="comma-separated voices (default: all)")
    parser.add_argument("--set", choices=["held-out", "dev"], default="held-out")
    parser.add_argument("--plots", type=Path, default=None, help="write the tone-pair figures here")
    parser.add_argument("--json", type=Path, help="keep the accuracies here")
    parser.add_argument("--before", type=Path, help="accuracies of an earlier run (its --json) to show beside these")
    parser.add_argument("--write", action="store_true", help="record the table in BENCHMARKS.md")
    parser.add_argument("--plots-only", action="store_true", help="only draw the tone-pair figures")
    args = parser.parse_args()

    from index_tts.engines.kokoro import catalog, engine

    engine.NATIVE_TONE_LAYER.update(catalog.NATIVE_VOICES)  # "after" is with the layer, for every voice asked
    engines = {"before": create_engine("kokoro", intonation=False), "after": create_engine("kokoro")}
    frontend = TextFrontend()
    items = syllables(DEV_SET if args.set == "dev" else HELD_OUT_SET, frontend)
    voices = [v for v in args.voices.split(",") if v] or engines["after"].voices()
    if args.plots_only:
        for voice in voices:
            plot_pairs(engines, frontend, voice, (args.plots or Path("docs/tones")) / f"tone-pairs-{voice}.png")
        return
    before = json.loads(args.before.read_text()) if args.before else {}
    figures: dict = {}
    rows = []
    for voice in voices:
        plain_audios = render(engines["before"], frontend, voice, items)
        plain = {tracker: measure(plain_audios, items, tracker)[0] for tracker in TRACKERS}
        audios = render(engines["after"], frontend, voice, items)
        judged = {tracker: measure(audios, items, tracker) for tracker in TRACKERS}
        figures[voice] = {tracker: accuracy for tracker, (accuracy, _) in judged.items()}
        figures[voice].update({f"{tracker} without the layer": accuracy for tracker, accuracy in plain.items()})
        row = {"voice": voice, **{f"model's own pitch ({tracker})": f"{plain[tracker]:.0%}" for tracker in TRACKERS}}
        for tracker in TRACKERS:
            if voice in before:
                row[f"{tracker} before"] = f"{before[voice][tracker]:.0%}"
            row[tracker] = f"{judged[tracker][0]:.0%}"
        for tracker in ("pyin", "praat"):
            row[f"errors, {tracker} (want→got)"] = _errors(judged[tracker][1])
        rows.append(row)
        print(" | ".join(rows[-1].values()), flush=True)
        if args.plots:
            plot_pairs(engines, frontend, voice, args.plots / f"tone-pairs-{voice}.png")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    text = table(rows)
    print(text)
    if args.write:
        heading = "## Mandarin tone accuracy (`bench/tone_bench.py`)"
        intro = (
            f"`python -m bench.tone_bench --set {args.set} --plots docs/tones --write`: {len(items)} isolated "
            f"syllables ({len(items) // 4} bases × 4 tones, {args.set} set) synthesized by each voice, classified from "
            "the audio alone by `testkit/tone_classifier.py` (contour shape in semitones around the voice's median; "
            "chance is 25%) on the F0 of three trackers: yin over the syllable nucleus with its ends trimmed (the "
            "classifier's own), and two independent judges over the loud part of the syllable, ends included: "
            "librosa's pyin and Praat's autocorrelation pitch (parselmouth). The contours and the classifier were "
            "chosen on a separate dev set of 40 syllables (`--set dev`); the held-out syllables were not used for "
            "that. The model's own pitch is the engine with tone contours switched off. "
            "The 16 two-syllable tone pairs per voice, before and after: `docs/tones/tone-pairs-<voice>.png`."
        )
        write_section(heading, f"{heading}\n\n{intro}\n\n{text}")


if __name__ == "__main__":
    main()
