"""An optional per-client limit on synthesis requests, so one visitor cannot keep the app to themselves."""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque

from ..common.shared_store import SharedStore

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


# One atomic step on Redis's clock, so replicas on several hosts count one window: drop the times that left
# the window, refuse when it is full (answering the seconds until its oldest leaves), else add this one.
_SLIDING_WINDOW = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(window - (t - tonumber(oldest[2])))
end
redis.call('ZADD', KEYS[1], t, ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(window))
return '0'
"""


class SharedRateLimiter(RateLimiter):
    """The same limit counted across every replica through their Redis; while Redis is unreachable each
    replica counts alone (this class's local window), so the service goes on."""

    def __init__(self, per_minute: int, store: SharedStore, clock=time.monotonic) -> None:
        super().__init__(per_minute, clock)
        self.store = store
        self._script = store.client.register_script(_SLIDING_WINDOW)

    def wait_seconds(self, client: str) -> float:
        key, request_id = self.store.key("rate", client), uuid.uuid4().hex
        answer = self.store.call(lambda _redis: self._script(keys=[key], args=[self.per_minute, WINDOW_S, request_id]))
        if answer is None:
            return super().wait_seconds(client)
        return max(0.0, float(answer))


def make_rate_limiter(per_minute: int | None, store: SharedStore | None) -> RateLimiter | None:
    """The app's limiter: none without a limit, shared across replicas when they share a store."""
    if not per_minute:
        return None
    return SharedRateLimiter(per_minute, store) if store is not None else RateLimiter(per_minute)
