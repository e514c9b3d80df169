"""The Redis that replicas share for the segment audio cache and the rate limit, used as a cache only.

Every call has a short time-out. When Redis is down or slow the store says so once in the log, answers
"nothing" (``None``) to every call for a few seconds instead of waiting on each request, then tries
again: callers go on with their local cache and limiter, and ``/health`` shows the state.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)

T = TypeVar("T")
TIMEOUT_S = 0.25  # a cache that answers later than this is slower than rendering a short segment's start
RETRY_AFTER_S = 3.0  # after a failure, calls are skipped this long before Redis is tried again
KEY_PREFIX = "indextts:"


def shown_url(url: str) -> str:
    """``url`` without its password, for logs and ``/health``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class SharedStore:
    """A Redis client that never makes a request wait for a Redis that is not there."""

    def __init__(self, url: str, timeout_s: float = TIMEOUT_S, retry_after_s: float = RETRY_AFTER_S) -> None:
        import redis  # only replicas need it

        self.url = shown_url(url)
        self.retry_after_s = retry_after_s
        self._errors = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry_on_timeout=False,
            health_check_interval=0,
        )
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._last_error = ""
        self.failures = 0

    def key(self, *parts: str) -> str:
        return KEY_PREFIX + ":".join(parts)

    @property
    def up(self) -> bool:
        return self._down_since is None

    def call(self, operation: Callable[[Any], T]) -> T | None:
        """``operation(client)``, or None when Redis failed just now or fails this time (logged once)."""
        if self._down_since is not None and time.monotonic() < self._retry_at:
            return None
        try:
            result = operation(self.client)
        except self._errors as exc:
            self._went_down(exc)
            return None
        self._came_back()
        return result

    def get_bytes(self, key: str) -> bytes | None:
        return self.call(lambda client: client.get(key))

    def set_bytes(self, key: str, value: bytes) -> None:
        self.call(lambda client: client.set(key, value))

    def describe(self) -> dict[str, Any]:
        """For ``/health``: the address (no password), up or down, since when and why; checks Redis when due."""
        self.call(lambda client: client.ping())
        report: dict[str, Any] = {"url": self.url, "state": "up" if self.up else "down", "failures": self.failures}
        if self._down_since is not None:
            report["down_seconds"] = round(time.monotonic() - self._down_since, 1)
            report["error"] = self._last_error
        return report

    def _went_down(self, exc: BaseException) -> None:
        with self._lock:
            self.failures += 1
            self._last_error = f"{type(exc).__name__}: {exc}"
            self._retry_at = time.monotonic() + self.retry_after_s
            if self._down_since is None:
                self._down_since = time.monotonic()
                log.warning(
                    "shared store %s is unreachable (%s); serving on with this replica's own cache and rate limit",
                    self.url,
                    self._last_error,
                )

    def _came_back(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            log.info("shared store %s is back after %.1fs", self.url, time.monotonic() - self._down_since)
            self._down_since = None
