"""Command line: ``python -m index_tts {synth,voices,frontend,prepare}``."""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from pathlib import Path

from ..common.errors import CheckpointError, TTSError
from ..engines import DEFAULT_ENGINE, create_engine, engine_names
from ..frontend.segmenter import DEFAULT_MAX_UNITS

log = logging.getLogger("index_tts")


def _speed(value: str) -> float:
    speed = float(value)
    if not math.isfinite(speed) or not 0.5 <= speed <= 2.0:
        raise argparse.ArgumentTypeError("speed must be a number between 0.5 and 2.0")
    return speed


def _emotion(value: str) -> tuple[float, ...]:
    """``happy=0.8,sad=0.2`` → the 8 slider values in IndexTTS2 order."""
    from ..voice.emotion import EMOTIONS

    values = dict.fromkeys(EMOTIONS, 0.0)
    for part in value.split(","):
        name, _, amount = part.partition("=")
        name = name.strip().lower()
        if name not in values:
            raise argparse.ArgumentTypeError(f"unknown emotion {name!r}; use: {', '.join(EMOTIONS)}")
        try:
            number = float(amount) if amount else 1.0
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{name}: {amount!r} is not a number") from exc
        if not math.isfinite(number) or not 0.0 <= number <= 1.0:
            raise argparse.ArgumentTypeError(f"{name} must be between 0 and 1")
        values[name] = number
    return tuple(values.values())


def _unit(value: str) -> float:
    number = float(value)
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError("must be a number between 0 and 1")
    return number


def _seed(value: str) -> int:
    from ..serving.manager import SEED_RANGE

    number = int(value)
    if not SEED_RANGE[0] <= number <= SEED_RANGE[1]:
        raise argparse.ArgumentTypeError(f"must be a whole number from {SEED_RANGE[0]} to {SEED_RANGE[1]}")
    return number


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return number


def _add_engine_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", default=DEFAULT_ENGINE, choices=engine_names(), help="speech engine")
    p.add_argument("--model-dir", type=Path, default=None, help="checkpoints folder (default ./checkpoints)")
    p.add_argument("--sessions", type=_positive_int, default=1, help="ONNX sessions (parallel calls)")
    p.add_argument("--threads", type=_positive_int, default=None, help="threads per session (default: cores / sessions)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m index_tts", description="Offline expressive text-to-speech.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    sub = parser.add_subparsers(dest="command", required=True)

    synth = sub.add_parser(
        "synth",
        help="synthesize text to a 24 kHz mono 16-bit WAV file",
        description="Synthesize --text to --out, or every non-empty line of --batch FILE to --out-dir/<i>.wav "
        "(i counts non-empty lines from 0) with one model load.",
    )
    source = synth.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="text to speak")
    source.add_argument("--batch", type=Path, help="UTF-8 text file: one utterance per non-empty line")
    synth.add_argument("--out", type=Path, help="output .wav path (with --text)")
    synth.add_argument("--out-dir", type=Path, help="output folder (with --batch)")
    synth.add_argument("--voice", default=None, help="voice name (see: voices); default: the engine's first")
    synth.add_argument("--speed", type=_speed, default=1.0, help="0.5-2.0")
    synth.add_argument("--lang", default="auto", choices=["auto", "zh", "en", "ja"])
    synth.add_argument("--seed", type=_seed, default=None, help="random seed (for engines that sample)")
    synth.add_argument(
        "--emotion", type=_emotion, default=None, metavar="NAME=V[,NAME=V]", help="emotion sliders, e.g. happy=0.8,sad=0.2"
    )
    synth.add_argument("--emotion-text", default=None, help="emotion from a description, e.g. 有点难过")
    synth.add_argument("--emotion-audio", default=None, metavar="FILE", help="emotion from a reference clip's delivery")
    synth.add_argument(
        "--reference-audio",
        default=None,
        metavar="FILE",
        help="voice reference: cloned by IndexTTS2; the embedded engine picks the nearest voice and matches its pitch",
    )
    synth.add_argument("--pitch", type=float, default=0.0, help="semitones added to the voice (-12 to 12)")
    synth.add_argument("--emo-alpha", type=_unit, default=0.65, help="emotion weight 0-1 (default 0.65; 0 = none)")
    synth.add_argument(
        "--max-segment",
        type=_positive_int,
        default=DEFAULT_MAX_UNITS,
        help="maximum segment length in units (a CJK character or a Latin word is one unit)",
    )
    _add_engine_args(synth)

    voices = sub.add_parser("voices", help="list voices, one per line")
    _add_engine_args(voices)

    frontend = sub.add_parser("frontend", help="show how text is normalized, segmented and phonemized")
    frontend.add_argument("--text", required=True)
    frontend.add_argument("--lang", default="auto", choices=["auto", "zh", "en", "ja"])
    frontend.add_argument("--max-segment", type=_positive_int, default=DEFAULT_MAX_UNITS)
    frontend.add_argument("--json", action="store_true", help="print JSON")

    prepare = sub.add_parser("prepare", help="materialize and verify the embedded model in checkpoints/")
    prepare.add_argument("--model-dir", type=Path, default=None)
    prepare.add_argument("--force", action="store_true", help="rebuild even if the folder looks prepared")
    return parser


def _engine(args: argparse.Namespace):
    return create_engine(args.engine, model_root=args.model_dir, num_sessions=args.sessions, threads_per_session=args.threads)


def _batch_lines(path: Path) -> list[str]:
    """The non-empty lines of a batch file, in order (line i of the result goes to <i>.wav)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise TTSError(f"--batch file {path} does not exist") from exc
    except UnicodeDecodeError as exc:
        raise TTSError(f"--batch file {path} is not UTF-8 text") from exc
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise TTSError(f"--batch file {path} has no text lines")
    return lines


def _check_length(text: str) -> None:
    from ..serving.manager import check_text_length

    check_text_length(text)


def _synth_jobs(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """(text, output path) pairs from --text/--out or --batch/--out-dir, checked before the model loads."""
    if args.text is not None:
        _check_length(args.text)
        if args.out is None or args.out_dir is not None:
            raise TTSError("--text needs --out FILE.wav (--out-dir goes with --batch)")
        if args.out.suffix.lower() != ".wav":
            raise TTSError(f"--out must end in .wav, got {args.out}")
        return [(args.text, args.out)]
    if args.out_dir is None or args.out is not None:
        raise TTSError("--batch needs --out-dir DIR (--out goes with --text)")
    return [(line, args.out_dir / f"{i}.wav") for i, line in enumerate(_batch_lines(args.batch))]


def _cmd_synth(args: argparse.Namespace) -> int:
    from ..common.audio import write_wav_atomic
    from ..serving.synthesizer import Synthesizer

    jobs = _synth_jobs(args)
    synthesizer = Synthesizer(_engine(args))
    voice = args.voice or synthesizer.engine.voices()[0]
    synthesizer.check_voice(voice)
    params = _params(args, voice, synthesizer)
    failed = 0
    for text, out in jobs:
        try:
            _check_length(text)
            result = synthesizer.synthesize(text, params, args.lang, args.max_segment)
        except TTSError as exc:
            if args.text is not None:
                raise
            failed += 1
            print(f"error: {out.name}: {exc} (line: {text[:60]!r})", file=sys.stderr)
            continue
        write_wav_atomic(out, result.audio, result.sample_rate)
        print(
            f"{out}: {result.audio_seconds:.2f}s audio, {len(result.segments)} segment(s), "
            f"{result.seconds:.2f}s compute, RTF {result.rtf:.3f}"
        )
    if args.batch is not None:
        print(f"{len(jobs) - failed} of {len(jobs)} line(s) written to {args.out_dir}")
    return 2 if failed else 0


def _params(args: argparse.Namespace, voice: str, synthesizer):
    """SynthParams from the flags: emotion and reference clips resolved as the UI and API do it."""
    from ..prosody.controls import PITCH_SHIFT_RANGE
    from ..voice.emotion import EmotionMode, EmotionRequest
    from ..voice.planner import DeliveryPlanner

    if sum(x is not None for x in (args.emotion, args.emotion_text, args.emotion_audio)) > 1:
        raise TTSError("use one of --emotion, --emotion-text and --emotion-audio")
    lo, hi = PITCH_SHIFT_RANGE
    if not math.isfinite(args.pitch) or not lo <= args.pitch <= hi:
        raise TTSError(f"--pitch must be between {lo:g} and {hi:g} semitones")
    if args.emotion is not None:
        request = EmotionRequest(mode=EmotionMode.VECTOR, vector=args.emotion, weight=args.emo_alpha)
    elif args.emotion_text is not None:
        request = EmotionRequest(mode=EmotionMode.TEXT, text=args.emotion_text, weight=args.emo_alpha)
    elif args.emotion_audio is not None:
        request = EmotionRequest(mode=EmotionMode.AUDIO, audio_path=args.emotion_audio, weight=args.emo_alpha)
    else:
        request = EmotionRequest()
    planner = DeliveryPlanner(synthesizer)
    params, notices = planner.params(
        voice, request, args.speed, args.seed, args.pitch, args.reference_audio, main_text=args.text or ""
    )
    for notice in notices:
        print(notice.text("en"), file=sys.stderr)
    return params


def _cmd_voices(args: argparse.Namespace) -> int:
    for voice in _engine(args).voices():
        print(voice)
    return 0


def _cmd_frontend(args: argparse.Namespace) -> int:
    from ..frontend import TextFrontend

    result = TextFrontend().process(args.text, args.lang, args.max_segment)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(f"language: {result.language}\nnormalized: {result.normalized}")
        for i, s in enumerate(result.segments):
            print(f"[{i}] {s.language} pause={s.pause_ms}ms | {s.text} | {s.pinyin or s.phonemes}")
    return 0


def _cmd_prepare(args: argparse.Namespace) -> int:
    from ..engines import kokoro_assets

    folder = kokoro_assets.prepare(args.model_dir, force=args.force)
    print(f"prepared and verified {folder}")
    return 0


_COMMANDS = {"synth": _cmd_synth, "voices": _cmd_voices, "frontend": _cmd_frontend, "prepare": _cmd_prepare}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("phonemizer").setLevel(logging.ERROR)
    try:
        return _COMMANDS[args.command](args)
    except (TTSError, CheckpointError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
