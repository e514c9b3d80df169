"""The per-client request limit on its own, with a clock the test moves."""

import pytest

from index_tts.ops.rate_limit import MAX_CLIENTS, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_per_client_in_a_sliding_window() -> None:
    clock = Clock()
    limiter = RateLimiter(3, clock=clock)
    for _ in range(3):  # requests at 0, 20 and 40 s
        assert limiter.wait_seconds("a") == 0.0
        clock.now += 20
    clock.now -= 10  # 50 s: the window is full until the first request is 60 s old
    assert limiter.wait_seconds("a") == pytest.approx(10)
    assert limiter.wait_seconds("b") == 0.0  # other clients are not held up
    clock.now += 10  # 60 s: the first one left the window
    assert limiter.wait_seconds("a") == 0.0
    assert limiter.wait_seconds("a") == pytest.approx(20)  # full again until the one from 20 s leaves
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_remembers_a_bounded_number_of_clients() -> None:
    limiter = RateLimiter(1, clock=Clock())
    for i in range(MAX_CLIENTS + 50):
        limiter.wait_seconds(f"client-{i}")
    assert len(limiter._seen) == MAX_CLIENTS
    assert limiter.wait_seconds("client-0") == 0.0  # the oldest was forgotten, so it starts afresh
    assert limiter.wait_seconds(f"client-{MAX_CLIENTS + 49}") > 0  # a recent one is still limited
