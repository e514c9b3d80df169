"""Command-line flags of the WebUI and the start-up sequence: port, model, UI, server, share."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path

import gradio as gr

from ..common.errors import CheckpointError, DeviceError
from ..common.paths import REPO_ROOT, cache_root
from ..common.retention import sweep_temp_files
from ..engines import DEFAULT_ENGINE, engine_names
from ..ops.exposure import exposure_problem
from ..ops.pidfile import remove_pidfile, write_pidfile
from ..ops.rate_limit import RateLimiter
from ..ops.share import start_share
from ..serving.config import MAX_WAIT_S, SEGMENT_TIMEOUT_S, ManagerConfig
from ..serving.manager import ModelManager, get_manager
from ..serving.outputs import OUTPUT_DIR, prune_outputs
from ..voice.reference_audio import MAX_BYTES as UPLOAD_MAX_BYTES
from ..voice.reference_audio import prune_uploads
from .api import add_api_routes
from .cli import mel_token_cap, positive_int
from .page import page_css, page_head
from .server import StartupError, build_app, exit_cleanly_on_signals, make_server, reserve_port, when_started
from .stream_handoff import StreamHandoff

log = logging.getLogger("index_tts.webui")


def pid_file() -> Path:
    """``run/webui.pid``, or under ``$INDEX_TTS_RUN_DIR`` (tests use their own so they never touch a real instance)."""
    return Path(os.environ.get("INDEX_TTS_RUN_DIR") or REPO_ROOT / "run") / "webui.pid"


def _auth(value: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("use --auth USER:PASS")
    return user, password


def _drain_seconds(value: str) -> float:
    seconds = float(value)
    if not 0 <= seconds <= 9:  # start_app.sh --stop sends SIGKILL after 10 s
        raise argparse.ArgumentTypeError("use 0 to 9 seconds")
    return seconds


def _segment_timeout(value: str) -> float:
    seconds = float(value)
    if not 1 <= seconds <= 3600:  # NaN fails this too
        raise argparse.ArgumentTypeError("use 1 to 3600 seconds")
    return seconds


def _wait_seconds(value: str) -> float:
    seconds = float(value)
    if not 1 <= seconds <= 3600:  # NaN fails this too
        raise argparse.ArgumentTypeError("use 1 to 3600 seconds")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="webui.py", description="IndexTTS WebUI (also started by ./start_app.sh)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: the whole network)")
    p.add_argument("--port", type=int, default=7860, help="port; if taken the app stops with an error")
    p.add_argument("--share", action="store_true", help="also create a public Gradio link (needs internet)")
    p.add_argument("--auth", type=_auth, default=None, metavar="USER:PASS", help="password-protect the page")
    p.add_argument(
        "--allow-no-auth",
        action="store_true",
        help="allow --share or a network --host without --auth (anyone who can reach it can use the app)",
    )
    p.add_argument("--engine", default=DEFAULT_ENGINE, choices=engine_names(), help="speech engine")
    p.add_argument("--lang", default="zh", choices=["zh", "en"], help="initial UI language")
    p.add_argument("--inbrowser", action="store_true", help="open the page in the default browser")
    p.add_argument("--model-dir", type=Path, default=None, help="checkpoints folder (default ./checkpoints)")
    p.add_argument(
        "--workers",
        "--sessions",
        dest="workers",
        type=positive_int,
        default=os.cpu_count() or 1,
        help="engine workers, one ONNX session each (default: one per core)",
    )
    p.add_argument(
        "--threads",
        type=positive_int,
        default=1,
        help="threads per worker (default 1; more lets a lone request's first segment use every core, "
        "at some cost under load: see BENCHMARKS.md, worker layout)",
    )
    p.add_argument("--max-active", type=positive_int, default=16, help="requests served at once; the rest wait in the queue")
    p.add_argument(
        "--max-batch", type=positive_int, default=4, help="segments of different requests decoded together (IndexTTS2)"
    )
    p.add_argument(
        "--batch-window-ms", type=float, default=20.0, help="how long to gather a batch while others are about (IndexTTS2)"
    )
    p.add_argument("--no-cache", action="store_true", help="do not reuse audio of segments already rendered")
    p.add_argument(
        "--naive",
        action="store_true",
        help="baseline like the upstream WebUI: one request at a time, whole text, no streaming, no cache",
    )
    p.add_argument(
        "--rate-limit",
        type=positive_int,
        default=None,
        metavar="N",
        help="at most N synthesis requests per minute per client (page and API; default: no limit)",
    )
    p.add_argument("--max-queue", type=positive_int, default=32, help="requests that may wait; more get 'busy, try again'")
    p.add_argument(
        "--max-wait",
        type=_wait_seconds,
        default=MAX_WAIT_S,
        metavar="S",
        help=f"refuse a request ('busy, try again in N s'; API: 503 + Retry-After) when the speech already accepted "
        f"needs more than S seconds to render at the measured speed (default {MAX_WAIT_S:g})",
    )
    p.add_argument(
        "--api-key",
        default=os.environ.get("INDEX_TTS_API_KEY"),
        help="require 'Authorization: Bearer KEY' on the HTTP API (or set INDEX_TTS_API_KEY)",
    )
    p.add_argument(
        "--no-fallback",
        action="store_true",
        help="with --engine indextts2: stop on a load error instead of serving with the embedded engine",
    )
    p.add_argument("--fp16", action="store_true", help="IndexTTS2: half precision (GPU)")
    p.add_argument(
        "--max-mel-tokens",
        type=mel_token_cap,
        default=None,
        metavar="N",
        help="IndexTTS2: stop generating a segment after N speech tokens when a request sets no cap "
        "(upstream's default is 1500, about 30 s; random-weight test models never stop by themselves)",
    )
    p.add_argument(
        "--device",
        default=None,
        help="where the engine runs: cpu, cuda or cuda:N (the embedded engine needs onnxruntime-gpu for cuda: "
        "requirements-gpu.txt; IndexTTS2 takes a torch device; default: the CPU, IndexTTS2 its own choice)",
    )
    p.add_argument(
        "--shutdown-timeout",
        type=_drain_seconds,
        default=5.0,
        metavar="S",
        help="on SIGTERM, let requests in flight finish for up to S seconds (start_app.sh --stop waits 10)",
    )
    p.add_argument(
        "--segment-timeout",
        type=_segment_timeout,
        default=SEGMENT_TIMEOUT_S,
        metavar="S",
        help=f"a worker on one segment longer than S seconds is replaced, its request fails (default {SEGMENT_TIMEOUT_S:g})",
    )
    p.add_argument("--skip-warmup", action="store_true", help="open the port without a warm-up (for benchmarks only)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "phonemizer", "jieba", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING if noisy != "phonemizer" else logging.ERROR)


def tidy_folders() -> None:
    """After a crash or ``kill -9``: drop half-written temp files, and files past the age limit."""
    sweep_temp_files([OUTPUT_DIR, cache_root()])
    prune_outputs()
    prune_uploads(cache_root() / "uploads")


def warm_page_events() -> float | None:
    """Gradio switches matplotlib's backend around every event when matplotlib is installed (it is a dev
    dependency here): its first import cost a visitor's first request 0.32 s (BENCHMARKS.md, start-up),
    so it is paid before the port opens. Returns the seconds it took, None when there is nothing to do."""
    switch = getattr(gr.utils, "MatplotlibBackendMananger", None)  # sic: Gradio's own spelling
    if switch is None or "matplotlib" in sys.modules:
        return None
    started = time.perf_counter()
    with switch():
        pass
    if "matplotlib" not in sys.modules:  # not installed: nothing was imported
        return None
    seconds = round(time.perf_counter() - started, 3)
    log.info("warm-up page_events in %.2fs (matplotlib, which Gradio touches around every event)", seconds)
    return seconds


BuildUI = Callable[[ModelManager, str, RateLimiter | None, StreamHandoff], gr.Blocks]


def run(args: argparse.Namespace, build_ui: BuildUI) -> int:
    """Reserve the port, load and warm the model, then serve until stopped. Returns the exit code."""
    setup_logging(args.verbose)
    problem = exposure_problem(args.host, args.share, args.auth, args.allow_no_auth)
    if problem:
        print(f"error: {problem}", file=sys.stderr, flush=True)
        return 2
    if os.environ.get("GRADIO_ANALYTICS_ENABLED", "").lower() not in ("false", "0"):
        log.warning("GRADIO_ANALYTICS_ENABLED is not False: start with ./start_app.sh to stay offline")
    try:
        sock = reserve_port(args.host, args.port)
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    write_pidfile(pid_file())
    tidy_folders()
    try:
        config = ManagerConfig(
            engine=args.engine,
            model_dir=args.model_dir,
            sessions=1 if args.naive else args.workers,
            threads=None if args.naive else args.threads,
            naive=args.naive,
            cache=not (args.naive or args.no_cache),
            max_batch=args.max_batch,
            batch_window_ms=args.batch_window_ms,
            fallback=not args.no_fallback,
            fp16=args.fp16,
            device=args.device,
            max_mel_tokens=args.max_mel_tokens,
            segment_timeout_s=args.segment_timeout,
            max_wait_s=args.max_wait,
        )
        try:
            manager = get_manager(config, warm=not args.skip_warmup)
        except (CheckpointError, DeviceError) as exc:  # the message says what to install or change
            print(f"error: {exc}", file=sys.stderr, flush=True)
            return 1
        if not args.skip_warmup and (seconds := warm_page_events()) is not None:
            manager.warm_up_seconds["page_events"] = seconds
        limiter = RateLimiter(args.rate_limit) if args.rate_limit else None
        handoff = StreamHandoff()  # the page's streams, prepared by its button and fetched by its player
        demo = build_ui(manager, args.lang, limiter, handoff)
        concurrency = 1 if args.naive else args.max_active
        demo.queue(default_concurrency_limit=concurrency, max_size=args.max_queue, api_open=False)
        app = build_app(
            manager,
            demo,
            auth=args.auth,
            page_lang=args.lang,
            extra_routes=lambda api: add_api_routes(
                api, manager, args.api_key, max_inside=concurrency + args.max_queue, rate_limiter=limiter, handoff=handoff
            ),
            mount_options={
                "footer_links": ["api"],
                "run_history": False,
                "server_name": args.host,
                "server_port": args.port,
                "head": page_head(),
                "css": page_css(),
                "enable_monitoring": False,  # Gradio's dashboard is not for visitors; /metrics serves monitoring
                "max_file_size": UPLOAD_MAX_BYTES,  # uploads beyond this are refused by Gradio before we see them
            },
        )
        server = make_server(app, args.host, args.port, args.shutdown_timeout, on_drain_timeout=manager.stop_requests)
        when_started(server, lambda: _after_start(args))
        exit_cleanly_on_signals()
        try:
            server.run(sockets=[sock])
        except SystemExit as stop:
            log.info("stopped by signal %d", int(stop.code or 128) - 128)
        manager.close()
        log.info("shut down")
        return 0
    finally:
        sock.close()
        remove_pidfile(pid_file())


def _after_start(args: argparse.Namespace) -> None:
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    url = f"http://{shown_host}:{args.port}"
    log.info("serving on %s (health: %s/health)", url, url)
    print(f"* Running on local URL: {url}", flush=True)
    if args.share:
        start_share(args.port, has_auth=args.auth is not None)
    if args.inbrowser:
        webbrowser.open(url)
