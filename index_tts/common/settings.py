"""Every option of the server and the CLI, declared once: its type, default, range and help.

Each field is read from the command line (``flags.add_flags`` builds the flags from these fields) and
from the environment as ``INDEX_TTS_<NAME>`` (``INDEX_TTS_MAX_WAIT=10``), a flag winning over the
environment. Nothing is read at import: an entry point reads the settings once and hands them to
``use``; code deeper down asks ``current()``, which reads the environment on first use when no entry
point did (tests, tools). A bad value is a ``pydantic.ValidationError`` naming the field, which the
entry points print as one line.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .cores import usable_cores

ENV_PREFIX = "INDEX_TTS_"
TEXT_CHARS_CEILING = 100_000  # the most ``max_text_chars`` may be raised to


def option(default: Any, help: str, **flag: Any) -> Any:
    """A field with its help text; ``flag`` holds how its command-line flag differs from ``--field-name``:
    ``aliases`` (other spellings), ``negate`` (``--no-cache`` sets ``cache`` false), ``metavar``."""
    factory = default if callable(default) else None
    extra = {"flag": flag} if flag else None
    if factory is not None:
        return Field(default_factory=factory, description=help, json_schema_extra=extra)
    return Field(default, description=help, json_schema_extra=extra)


def seconds(default: float, lo: float, hi: float, help: str) -> Any:
    """A duration in seconds between ``lo`` and ``hi`` (its flag takes ``S``)."""
    return Field(default, ge=lo, le=hi, allow_inf_nan=False, description=help, json_schema_extra={"flag": {"metavar": "S"}})


class Settings(BaseSettings):
    """The app's options. Groups: where it listens, the engine, how requests are served, limits, housekeeping."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid", validate_default=True)

    # -- where it listens, and who may use it --------------------------------------------------
    host: str = option("127.0.0.1", "address to listen on (0.0.0.0: the whole network)")
    port: int = Field(7860, ge=1, le=65535, description="port; if it is taken the app stops with an error")
    share: bool = option(False, "also create a public Gradio link (needs internet)")
    auth: str | None = option(None, "password-protect the page", metavar="USER:PASS")
    allow_no_auth: bool = option(
        False, "allow --share or a network --host without --auth (anyone who can reach it can use the app)"
    )
    api_key: str | None = option(None, "require 'Authorization: Bearer KEY' on the HTTP API")
    lang: Literal["zh", "en"] = option("zh", "initial language of the page")
    inbrowser: bool = option(False, "open the page in the default browser once it is ready")

    # -- the engine ----------------------------------------------------------------------------
    engine: str = option("kokoro", "speech engine")
    model_dir: Path | None = option(None, "checkpoints folder (default ./checkpoints)", metavar="DIR")
    device: str | None = option(
        None,
        "where the engine runs: cpu, cuda or cuda:N (the embedded engine needs onnxruntime-gpu for cuda: "
        "requirements-gpu.txt; IndexTTS2 takes a torch device; default: the CPU, IndexTTS2 its own choice)",
    )
    # one worker per core: most throughput (BENCHMARKS.md, worker layout)
    workers: int = Field(
        default_factory=usable_cores,
        ge=1,
        description="engine workers, one model session each (default: one per core)",
        json_schema_extra={"flag": {"aliases": ["--sessions"], "metavar": "N"}},
    )
    # 1 thread per worker: under load, workers with a thread per core slowed each other (4 users: 1.52 vs 2.63
    # audio-s/s), more than a lone request gains (first audio 0.98 vs 1.55 s); BENCHMARKS.md
    threads: int = Field(
        1,
        ge=1,
        description="threads per worker (more lets a lone request's first segment use every core, at some cost "
        "under load: see BENCHMARKS.md, worker layout)",
        json_schema_extra={"flag": {"metavar": "N"}},
    )
    fp16: bool = option(False, "IndexTTS2: half precision (GPU)")
    max_mel_tokens: int | None = Field(
        None,
        ge=50,
        le=1815,
        description="IndexTTS2: stop generating a segment after N speech tokens when a request sets no cap "
        "(upstream's default is 1500, about 30 s; the engine never goes past what its model holds)",
        json_schema_extra={"flag": {"metavar": "N"}},
    )
    fallback: bool = option(
        True, "with --engine indextts2: stop on a load error instead of serving with the embedded engine", negate=True
    )

    # -- how requests are served -----------------------------------------------------------------
    max_active: int = Field(16, ge=1, description="requests served at once; the rest wait in the queue")
    max_queue: int = Field(32, ge=1, description="requests that may wait; more get 'busy, try again'")
    max_wait: float = seconds(
        30.0,
        1,
        3600,
        "refuse a request ('busy, try again in N s'; API: 503 + Retry-After) when the speech already accepted needs "
        "more than S seconds to render at the measured speed",
    )
    max_batch: int = Field(4, ge=1, le=64, description="segments of different requests decoded together (IndexTTS2)")
    batch_window_ms: float = Field(
        20.0, ge=0, le=1000, allow_inf_nan=False, description="how long to gather a batch while others are about (IndexTTS2)"
    )
    cache: bool = option(True, "do not reuse audio of segments already rendered", negate=True)
    naive: bool = option(False, "baseline like the upstream WebUI: one request at a time, whole text, no streaming, no cache")
    rate_limit: int | None = Field(
        None,
        ge=1,
        description="at most N synthesis requests per minute per client (page and API; default: no limit)",
        json_schema_extra={"flag": {"metavar": "N"}},
    )
    segment_timeout: float = seconds(
        60.0, 1, 3600, "a worker on one segment longer than S seconds is replaced, its request fails"
    )
    # start_app.sh --stop sends SIGKILL after 10 s
    shutdown_timeout: float = seconds(
        5.0, 0, 9, "on SIGTERM, let requests in flight finish for up to S seconds (start_app.sh --stop waits 10)"
    )
    skip_warmup: bool = option(False, "open the port without a warm-up (for benchmarks only)")

    # -- replicas (./start_app.sh --replicas N sets these for each one) ------------------------------
    redis_url: str | None = option(
        None,
        "share the segment audio cache and the rate limit with other replicas through this Redis; "
        "when it is down or slow each replica goes on with its own",
        metavar="redis://[:PASS@]HOST:PORT/DB",
    )
    replica_name: str | None = option(None, "this replica's name, sent in the X-TTS-Replica header and /health", metavar="NAME")
    audio_cache_dir: Path | None = option(
        None, "folder of the segment audio cache on disk (default cache_hub/audio_cache)", metavar="DIR"
    )
    forwarded_allow_ips: str | None = option(
        None,
        "addresses whose X-Forwarded-For is trusted as the client's address (the balancer's; default 127.0.0.1)",
        metavar="IP[,IP]",
    )

    # -- limits and housekeeping ---------------------------------------------------------------------
    max_text_chars: int = Field(5000, ge=1, le=TEXT_CHARS_CEILING, description="the longest text one request may have")
    keep_days: float = Field(
        7.0, gt=0, allow_inf_nan=False, description="finished audio and uploaded clips are kept at most this many days"
    )
    run_dir: Path | None = option(None, "folder of the PID file (default ./run)", metavar="DIR")
    verbose: bool = option(False, "debug logging", aliases=["-v"])

    @field_validator("auth")
    @classmethod
    def _user_and_password(cls, value: str | None) -> str | None:
        if value is not None:
            user, sep, password = value.partition(":")
            if not (sep and user and password):
                raise ValueError("use USER:PASS")
        return value

    @property
    def credentials(self) -> tuple[str, str] | None:
        """``--auth`` as (user, password)."""
        if self.auth is None:
            return None
        user, _, password = self.auth.partition(":")
        return user, password


DEFAULTS = Settings.model_construct()  # every field's default, without reading the environment

_current: Settings | None = None
_lock = threading.Lock()


def use(settings: Settings) -> Settings:
    """Make ``settings`` the process's own (an entry point calls this once it has read them)."""
    global _current
    with _lock:
        _current = settings
    return settings


def current() -> Settings:
    """The process's settings: those an entry point chose, else read from the environment now (once)."""
    global _current
    with _lock:
        if _current is None:
            _current = Settings()
        return _current
