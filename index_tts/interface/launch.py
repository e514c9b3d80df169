"""The WebUI's start-up: read the settings, bind the port, load and warm the model, then serve.

The port is bound (but not listening) before the model loads, so a taken port fails at once with one
line and nobody connects before the model is warm. Every flag is a field of ``common.settings``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import webbrowser
from pathlib import Path

import gradio as gr
from pydantic import ValidationError

from ..common.errors import CheckpointError, DeviceError
from ..common.paths import REPO_ROOT, cache_root
from ..common.retention import sweep_temp_files
from ..common.settings import Settings, use
from ..engines import engine_names
from ..ops.exposure import exposure_problem
from ..ops.pidfile import remove_pidfile, write_pidfile
from ..ops.share import start_share
from ..serving.config import ManagerConfig
from ..serving.manager import ModelManager, get_manager
from ..serving.outputs import OUTPUT_DIR, prune_outputs
from ..voice.reference_audio import prune_uploads
from .app import build_web_app
from .flags import add_flags, settings_from
from .server import StartupError, exit_cleanly_on_signals, make_server, reserve_port, when_started

log = logging.getLogger("index_tts.webui")


def build_parser() -> argparse.ArgumentParser:
    """``webui.py``'s flags: every setting (``common.settings``), each also readable as ``INDEX_TTS_<NAME>``."""
    parser = argparse.ArgumentParser(prog="webui.py", description="IndexTTS WebUI (also started by ./start_app.sh)")
    add_flags(parser, Settings.model_fields, choices={"engine": engine_names()})
    return parser


def read_settings(argv: list[str] | None = None) -> Settings:
    """The flags, then the environment, then the defaults; a bad value ends the program with one line (exit 2)."""
    args = build_parser().parse_args(argv)
    try:
        return settings_from(args)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "settings"
        print(f"error: {name} ({Settings.model_config['env_prefix']}{name.upper()}): {error['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


def pid_file(settings: Settings) -> Path:
    """``run/webui.pid``, or under ``--run-dir`` (tests use their own so they never touch a real instance)."""
    return (settings.run_dir or REPO_ROOT / "run") / "webui.pid"


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


def load_manager(settings: Settings) -> ModelManager:
    """The process's model manager, loaded and (unless ``--skip-warmup``) warmed before the port opens."""
    manager = get_manager(ManagerConfig.from_settings(settings), warm=not settings.skip_warmup)
    if not settings.skip_warmup and (seconds := warm_page_events()) is not None:
        manager.warm_up_seconds["page_events"] = seconds
    return manager


def run(settings: Settings) -> int:
    """Reserve the port, load and warm the model, then serve until stopped. Returns the exit code."""
    use(settings)
    setup_logging(settings.verbose)
    problem = exposure_problem(settings.host, settings.share, settings.auth, settings.allow_no_auth)
    if problem:
        print(f"error: {problem}", file=sys.stderr, flush=True)
        return 2
    if os.environ.get("GRADIO_ANALYTICS_ENABLED", "").lower() not in ("false", "0"):
        log.warning("GRADIO_ANALYTICS_ENABLED is not False: start with ./start_app.sh to stay offline")
    try:
        sock = reserve_port(settings.host, settings.port)
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    write_pidfile(pid_file(settings))
    tidy_folders()
    try:
        try:
            manager = load_manager(settings)
        except (CheckpointError, DeviceError) as exc:  # the message says what to install or change
            print(f"error: {exc}", file=sys.stderr, flush=True)
            return 1
        serve(settings, manager, sock)
        return 0
    finally:
        sock.close()
        remove_pidfile(pid_file(settings))


def serve(settings: Settings, manager: ModelManager, sock) -> None:
    """Serve the page and the API on the reserved socket until SIGTERM or SIGINT, then shut down cleanly."""
    app = build_web_app(settings, manager)
    server = make_server(
        app,
        settings.host,
        settings.port,
        settings.shutdown_timeout,
        on_drain_timeout=manager.stop_requests,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    when_started(server, lambda: _after_start(settings))
    exit_cleanly_on_signals()
    try:
        server.run(sockets=[sock])
    except SystemExit as stop:
        log.info("stopped by signal %d", int(stop.code or 128) - 128)
    manager.close()
    log.info("shut down")


def _after_start(settings: Settings) -> None:
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    url = f"http://{shown_host}:{settings.port}"
    log.info("serving on %s (health: %s/health)", url, url)
    print(f"* Running on local URL: {url}", flush=True)
    if settings.share:
        start_share(settings.port, has_auth=settings.auth is not None)
    if settings.inbrowser:
        webbrowser.open(url)
