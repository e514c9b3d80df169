"""Command line: ``python -m index_tts {synth,voices,frontend,prepare}``.

``synth`` speaks through the same model manager and request as the web app: its flags become a
``SpeechRequest`` (checked against the same limits), and the text is cut into segments, rendered
and joined exactly as the server does it, so a file from the CLI is the audio the page would give.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..common import settings
from ..common.errors import CheckpointError, DeviceError, TTSError
from ..engines import create_engine, engine_names
from ..frontend.segmenter import DEFAULT_MAX_UNITS
from .flags import add_flags, settings_from

log = logging.getLogger("index_tts")


def request_flag(field: str) -> Callable[[str], Any]:
    """An argparse type that checks a flag against the request's own limit for ``field``."""

    def parse(value: str) -> Any:
        from ..serving.request import check_field

        try:
            return check_field(field, value)
        except TTSError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    parse.__name__ = field  # argparse names the type in its messages
    return parse


def _emotion(value: str) -> tuple[float, ...]:
    """``happy=0.8,sad=0.2`` → the 8 slider values in IndexTTS2 order, checked like a request's."""
    from ..voice.emotion import EMOTIONS

    values = dict.fromkeys(EMOTIONS, 0.0)
    for part in value.split(","):
        name, _, amount = part.partition("=")
        name = name.strip().lower()
        if name not in values:
            raise argparse.ArgumentTypeError(f"unknown emotion {name!r}; use: {', '.join(EMOTIONS)}")
        try:
            values[name] = float(amount) if amount else 1.0
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{name}: {amount!r} is not a number") from exc
    return request_flag("emotion")(tuple(values.values()))  # type: ignore[arg-type]


ENGINE_FLAGS = ("engine", "model_dir", "workers", "threads", "device", "max_mel_tokens")  # settings the CLI takes


def _add_engine_args(p: argparse.ArgumentParser) -> None:
    add_flags(p, ENGINE_FLAGS, choices={"engine": engine_names()})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m index_tts", description="Offline expressive text-to-speech.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_synth(sub)
    _add_tools(sub)
    _add_setup(sub)
    return parser


Subcommands = Any  # argparse's _SubParsersAction


def _add_synth(sub: Subcommands) -> None:
    """``synth``: its flags are a request's fields, checked against the request's own limits."""
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
    synth.add_argument("--voice", default=None, help="voice name (see: voices); default: a native voice of the text's language")
    synth.add_argument("--speed", type=request_flag("speed"), default=1.0, help="0.5-2.0")
    synth.add_argument("--lang", default="auto", choices=["auto", "zh", "en", "ja"])
    synth.add_argument("--seed", type=request_flag("seed"), default=None, help="random seed (for engines that sample)")
    synth.add_argument(
        "--emotion", type=_emotion, default=None, metavar="NAME=V[,NAME=V]", help="emotion sliders, e.g. happy=0.8,sad=0.2"
    )
    synth.add_argument("--emotion-text", default=None, help="emotion from a description, e.g. 有点难过")
    synth.add_argument("--emotion-audio", default=None, metavar="FILE", help="emotion from a reference clip's delivery")
    synth.add_argument(
        "--reference-audio",
        default=None,
        metavar="FILE",
        help="voice reference: cloned by IndexTTS2; the embedded engine picks the voice closest in timbre and matches its pitch",
    )
    synth.add_argument("--pitch", type=request_flag("pitch"), default=0.0, help="semitones added to the voice (-12 to 12)")
    synth.add_argument(
        "--emo-alpha", type=request_flag("emotion_weight"), default=0.65, help="emotion weight 0-1 (default 0.65; 0 = none)"
    )
    synth.add_argument(
        "--max-segment",
        type=request_flag("max_segment"),
        default=DEFAULT_MAX_UNITS,
        help="maximum segment length in units (a CJK character or a Latin word is one unit; 8-200)",
    )
    for fmt in ("srt", "vtt"):
        synth.add_argument(
            f"--{fmt}",
            nargs="?",
            const=BESIDE,
            default=None,
            metavar="FILE",
            help=f"also write {fmt.upper()} subtitles to FILE (with --text), or beside each WAV when given alone",
        )
    _add_engine_args(synth)


BESIDE = Path("-")  # a subtitle flag given alone: the file goes beside the WAV, with its name


def _add_tools(sub: Subcommands) -> None:
    """``voices``, ``frontend``, ``voice-profiles`` and ``pitch-reach``: what the engine and the front-end would do."""
    voices = sub.add_parser(
        "voices", help="list voices, one per line: name, language, gender, median pitch, names in Chinese and English"
    )
    _add_engine_args(voices)

    frontend = sub.add_parser("frontend", help="show how text is normalized, segmented and phonemized")
    frontend.add_argument("--text", required=True)
    frontend.add_argument("--lang", default="auto", choices=["auto", "zh", "en", "ja"])
    frontend.add_argument("--max-segment", type=request_flag("max_segment"), default=DEFAULT_MAX_UNITS)
    frontend.add_argument("--json", action="store_true", help="print JSON")

    profiles = sub.add_parser(
        "voice-profiles",
        help="measure every voice's neutral delivery afresh and write it where the app ships it (for developers)",
    )
    profiles.add_argument("--out", type=Path, default=None, help="folder (default: index_tts/voice/shipped_profiles)")
    _add_engine_args(profiles)
    reach = sub.add_parser(
        "pitch-reach",
        help="measure how far every voice's pitch moves when asked, per language, and write it where the app ships "
        "it (for developers)",
    )
    reach.add_argument("--out", type=Path, default=None, help="folder (default: index_tts/voice/shipped_profiles)")
    reach.add_argument("--voices", default=None, help="comma-separated: measure only these, keep the other tables")
    reach.add_argument(
        "--languages", default=None, help="comma-separated (zh, en): measure only these, keep the other languages' tables"
    )
    _add_engine_args(reach)


def _add_setup(sub: Subcommands) -> None:
    """``prepare`` (the embedded model in checkpoints/) and ``indextts2-random`` (test checkpoints)."""
    prepare = sub.add_parser("prepare", help="materialize and verify the embedded model in checkpoints/")
    add_flags(prepare, ["model_dir"])
    prepare.add_argument("--force", action="store_true", help="rebuild even if the folder looks prepared")
    prepare.add_argument(
        "--donor-voices-from",
        type=Path,
        default=None,
        metavar="TGZ",
        help="take the Mandarin and English voice packs the voices borrow timbre from out of this "
        "kokoro-js-1.2.1.tgz (npm pack kokoro-js@1.2.1) instead of fetching it from the npm registry",
    )
    prepare.add_argument("--offline", action="store_true", help="do not fetch the donor voice packs or the speaker encoder")

    random = sub.add_parser(
        "indextts2-random",
        help="write IndexTTS2 checkpoints with RANDOM weights (they run the real code and speak noise: for tests "
        "and speed measurements)",
    )
    random.add_argument("--out", type=Path, required=True, help="folder to write; use it as --model-dir")
    random.add_argument(
        "--size",
        choices=["tiny", "medium", "full"],
        default="tiny",
        help="tiny: seconds on a CPU; medium: tiny with 6 of the release's 24 GPT layers; full: the release's dimensions",
    )
    random.add_argument("--seed", type=int, default=0, help="the same seed writes the same weights")
    random.add_argument("--force", action="store_true", help="replace a folder this command did not write")


@contextmanager
def speech_service(args: argparse.Namespace) -> Iterator[Any]:
    """A model manager like the server's (scheduler and planning alike), without warm-up, cache or fallback:
    an engine named on the command line is the one wanted, so it fails clearly instead."""
    from ..serving.config import ManagerConfig
    from ..serving.manager import ModelManager

    manager = ModelManager(ManagerConfig.from_settings(settings.current(), serving=False))
    try:
        manager.load(warm_frontend=False)
        manager.ready = True
        yield manager
    finally:
        manager.close()


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


def _subtitle_files(args: argparse.Namespace, out: Path) -> dict[str, Path]:
    """The subtitle files to write for the WAV ``out``, by format (--srt, --vtt)."""
    files = {}
    for fmt in ("srt", "vtt"):
        given = getattr(args, fmt)
        if given is not None:
            files[fmt] = out.with_suffix(f".{fmt}") if given == BESIDE else given
    return files


def _synth_jobs(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """(text, output path) pairs from --text/--out or --batch/--out-dir, checked before the model loads."""
    if args.batch is not None and any(getattr(args, f) not in (None, BESIDE) for f in ("srt", "vtt")):
        raise TTSError("with --batch, give --srt / --vtt alone: each line's subtitles go beside its WAV (<i>.srt)")
    if args.text is not None:
        if args.out is None or args.out_dir is not None:
            raise TTSError("--text needs --out FILE.wav (--out-dir goes with --batch)")
        if args.out.suffix.lower() != ".wav":
            raise TTSError(f"--out must end in .wav, got {args.out}")
        return [(args.text, args.out)]
    if args.out_dir is None or args.out is not None:
        raise TTSError("--batch needs --out-dir DIR (--out goes with --text)")
    return [(line, args.out_dir / f"{i}.wav") for i, line in enumerate(_batch_lines(args.batch))]


def _request_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The request's fields from the flags (all but the text); emotion flags pick the emotion mode."""
    from ..voice.emotion import EmotionMode

    if sum(x is not None for x in (args.emotion, args.emotion_text, args.emotion_audio)) > 1:
        raise TTSError("use one of --emotion, --emotion-text and --emotion-audio")
    settings: dict[str, Any] = {
        "voice": args.voice,
        "speed": args.speed,
        "seed": args.seed,
        "language": args.lang,
        "max_segment": args.max_segment,
        "pitch": args.pitch,
        "emotion_weight": args.emo_alpha,
        "reference_audio": args.reference_audio,
    }
    if args.emotion is not None:
        settings.update(emotion_mode=EmotionMode.VECTOR, emotion=args.emotion)
    elif args.emotion_text is not None:
        settings.update(emotion_mode=EmotionMode.TEXT, emotion_text=args.emotion_text)
    elif args.emotion_audio is not None:
        settings.update(emotion_mode=EmotionMode.AUDIO, emotion_audio=args.emotion_audio)
    return settings


def _cmd_synth(args: argparse.Namespace) -> int:
    from ..common.audio import write_wav_atomic
    from ..serving.request import SpeechRequest

    jobs = _synth_jobs(args)
    settings = _request_settings(args)
    if args.text is not None:
        SpeechRequest.build(text=args.text, **settings)  # a bad setting fails before the model loads
    failed = 0
    with speech_service(args) as manager:
        for text, out in jobs:
            try:
                result = manager.synthesize(SpeechRequest.build(text=text, **settings), endpoint="cli")
            except TTSError as exc:
                if args.text is not None:
                    raise
                failed += 1
                print(f"error: {out.name}: {exc} (line: {text[:60]!r})", file=sys.stderr)
                continue
            for notice in result.notices:
                print(f"{out.name}: {notice.line('en')}", file=sys.stderr)
            write_wav_atomic(out, result.audio, result.sample_rate)
            _write_subtitles(_subtitle_files(args, out), text, result)
            print(
                f"{out}: {result.audio_seconds:.2f}s audio, {len(result.segments)} segment(s), "
                f"{result.seconds:.2f}s compute, RTF {result.rtf:.3f}"
            )
    if args.batch is not None:
        print(f"{len(jobs) - failed} of {len(jobs)} line(s) written to {args.out_dir}")
    return 2 if failed else 0


def _write_subtitles(files: dict[str, Path], text: str, result: Any) -> None:
    """Each subtitle file asked for, timed on ``result``'s audio, written atomically."""
    if not files:
        return
    from ..common.audio import write_atomic
    from ..serving.subtitles import SUBTITLE_FORMATS, cues
    from ..serving.timestamps import align

    cue_list = cues(align(text, result.spoken, result.audio_seconds))
    for fmt, path in files.items():
        body = SUBTITLE_FORMATS[fmt](cue_list).encode()
        write_atomic(path, lambda f, body=body: f.write(body))
        print(f"{path}: {len(cue_list)} subtitle cue(s)")


def _cmd_voices(args: argparse.Namespace) -> int:
    chosen = settings.current()
    engine = create_engine(
        chosen.engine, model_root=chosen.model_dir, num_sessions=chosen.workers, threads_per_session=chosen.threads
    )
    from ..engines.kokoro.catalog import describe

    for voice in engine.voices():  # name first, then what /v1/audio/voices says of it, tab-separated
        info = describe(voice)
        fields = [info.get("language"), info.get("gender"), f"{info['median_hz']} Hz" if "median_hz" in info else None,
                  info.get("zh"), info.get("en")]  # fmt: skip
        print("\t".join([voice, *(str(f) for f in fields if f is not None)]))
    return 0


def _cmd_frontend(args: argparse.Namespace) -> int:
    from ..frontend import TextFrontend
    from ..serving.synthesizer import FIRST_SEGMENT_UNITS

    result = TextFrontend().process(args.text, args.lang, args.max_segment, FIRST_SEGMENT_UNITS)  # as the server cuts it
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(f"language: {result.language}\nnormalized: {result.normalized}")
        for i, s in enumerate(result.segments):
            print(f"[{i}] {s.language} pause={s.pause_ms}ms | {s.text} | {s.pinyin or s.phonemes}")
    return 0


def _cmd_prepare(args: argparse.Namespace) -> int:
    from ..engines.kokoro import assets as kokoro_assets

    model_dir = settings.current().model_dir
    folder = kokoro_assets.prepare(model_dir, force=args.force)
    if not kokoro_assets.donor_voices_complete(model_dir) and (args.donor_voices_from or not args.offline):
        try:
            tarball = args.donor_voices_from.read_bytes() if args.donor_voices_from else None
            kokoro_assets.add_donor_voices(model_dir, tarball)
        except (OSError, CheckpointError) as exc:
            print(f"warning: no donor voice packs ({exc}); the voices' Mandarin is less clear without", file=sys.stderr)
    donors = "with" if kokoro_assets.donor_voices_entry(model_dir) else "without"
    encoder = "with" if _prepare_speaker_encoder(model_dir, args.offline) else "without"
    print(f"prepared and verified {folder} ({donors} the donor voice packs, {encoder} the speaker encoder)")
    return 0


def _prepare_speaker_encoder(model_dir: Path | None, offline: bool) -> bool:
    """Fetch and convert the speaker encoder unless it is there (or ``--offline``); a failure only warns."""
    from ..voice import speaker_encoder, speaker_encoder_weights

    if speaker_encoder.encoder_path(model_dir).is_file():
        return True
    if offline:
        return False
    try:
        speaker_encoder_weights.prepare(model_dir)
        return True
    except (OSError, speaker_encoder_weights.SpeakerEncoderWeightsError) as exc:
        print(f"warning: no speaker encoder ({exc}); a voice reference is matched by pitch alone", file=sys.stderr)
        return False


def _cmd_voice_profiles(args: argparse.Namespace) -> int:
    from ..voice.profiles import SHIPPED_DIR, VoiceProfiles

    with speech_service(args) as manager:
        engine = manager.engine
        encoder = manager.planner.profiles.encoder
        profiles = VoiceProfiles(
            manager.profile_id, engine.voices, manager.neutral_reading, manager.workers, saved=False, encoder=encoder
        )
        profiles.measure_all()
        print(profiles.write_to(args.out or SHIPPED_DIR))
    return 0


def _cmd_pitch_reach(args: argparse.Namespace) -> int:
    from ..engines.base import SynthParams
    from ..prosody.controls import Prosody
    from ..voice.pitch_reach import SENTENCES, PitchReach
    from ..voice.profiles import SHIPPED_DIR

    languages = tuple(args.languages.split(",")) if args.languages else tuple(SENTENCES)
    if unknown := sorted(set(languages) - set(SENTENCES)):
        print(f"error: no reach sentence for {', '.join(unknown)}; choose from {', '.join(SENTENCES)}", file=sys.stderr)
        return 2
    with speech_service(args) as manager:
        synthesizer = manager.synthesizer

        # straight through the synthesizer, not the request path: the request path's planner caps a raised
        # pitch at the reach table, the very table measured here
        def render(voice: str, text: str, language: str, offset: float) -> tuple:
            params = SynthParams(voice=voice, prosody=Prosody(pitch_shift=offset) if offset else None)
            result = synthesizer.synthesize(text, params, language)
            return result.audio, result.sample_rate

        reach = PitchReach.of(manager.engine)
        folder = args.out or SHIPPED_DIR
        voices = args.voices.split(",") if args.voices else manager.engine.voices()
        measured = reach.measure(voices, render, manager.workers, languages)
        kept = reach.saved(folder) if args.voices or args.languages else {}
        print(reach.write({v: {**kept.get(v, {}), **measured.get(v, {})} for v in {*kept, *measured}}, folder))
    return 0


def _cmd_indextts2_random(args: argparse.Namespace) -> int:
    from ..engines.indextts2 import random_weights as indextts2_random

    try:
        timings = indextts2_random.write(args.out, args.size, args.seed, force=args.force)
    except (FileExistsError, ImportError) as exc:
        hint = "; run: pip install -r requirements-indextts2.txt" if isinstance(exc, ImportError) else ""
        print(f"error: {exc}{hint}", file=sys.stderr)
        return 2
    size_mb = indextts2_random.folder_bytes(args.out) / 1e6
    print(
        f"wrote {args.out}: IndexTTS2 checkpoints with RANDOM weights ({args.size}, seed {args.seed}, "
        f"{size_mb:.0f} MB, {sum(timings.values()):.1f} s). They speak noise, not speech.\n"
        f"use: --engine indextts2 --model-dir {args.out}  (a random GPT never stops by itself: each segment runs "
        f"to the model's cap; add --max-mel-tokens 50 for short segments)"
    )
    return 0


_COMMANDS = {
    "synth": _cmd_synth,
    "voices": _cmd_voices,
    "frontend": _cmd_frontend,
    "prepare": _cmd_prepare,
    "voice-profiles": _cmd_voice_profiles,
    "pitch-reach": _cmd_pitch_reach,
    "indextts2-random": _cmd_indextts2_random,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("phonemizer").setLevel(logging.ERROR)
    try:
        settings.use(settings_from(args, ("model_dir", *ENGINE_FLAGS, "verbose")))
    except ValidationError as exc:  # a setting from the environment (flags are checked by argparse)
        error = exc.errors()[0]
        print(f"error: {error['loc'][0] if error['loc'] else 'settings'}: {error['msg']}", file=sys.stderr)
        return 2
    try:
        return _COMMANDS[args.command](args)
    except (TTSError, CheckpointError, DeviceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
