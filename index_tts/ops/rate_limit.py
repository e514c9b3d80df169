"""An optional per-client limit on synthesis requests, so one visitor cannot keep the app to themselves."""

from __future__ import annotations

import threading
import time
from collections import deque

WINDOW_S = 60.0
MAX_CLIENTS = 10_000  # clients remembered at once; idle ones are forgotten first


class RateLimiter:
    """At most ``per_minute`` requests per client in any 60 s window (a sliding window of request times)."""

    def __init__(self, per_minute: int, clock=time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError("the rate limit must be at least 1 request per minute")
        self.per_minute = per_minute
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, client: str) -> float:
        """0 when ``client`` may go ahead now (and the request is counted), else seconds until it may."""
        now = self._clock()
        with self._lock:
            times = self._seen.pop(client, None) or deque()
            while times and now - times[0] >= WINDOW_S:
                times.popleft()
            self._seen[client] = times  # re-inserted last: dicts keep order, so the oldest client is first
            if len(times) >= self.per_minute:
                return WINDOW_S - (now - times[0])
            times.append(now)
            while len(self._seen) > MAX_CLIENTS:
                self._seen.pop(next(iter(self._seen)))
            return 0.0
