"""A burst of 100 simultaneous requests while another process takes a core: every client gets an answer
(audio, or 503 "busy" with a Retry-After computed from the backlog) within its 120 s."""

from __future__ import annotations

import re

from testkit.app_process import get_json, start_app
from testkit.burst import CLIENT_TIMEOUT_S, cpu_hogs, fire_burst

MAX_WAIT_S = 10  # small, so that the wait bound (not the count of places) decides, and the test is short
CLIENTS = 100


def test_a_burst_of_100_with_a_cpu_hog_is_answered_within_the_clients_timeout(tmp_path) -> None:
    app = start_app(tmp_path, "--max-wait", str(MAX_WAIT_S))
    try:
        app.wait_healthy()
        with cpu_hogs(1):  # started after warm-up: the measured speed is the quiet machine's and must adapt
            answers = fire_burst(app.url, CLIENTS)
        health = get_json(f"{app.url}/health")
    finally:
        app.stop()
    unanswered = [a for a in answers if a.status == 0]
    assert not unanswered, f"{len(unanswered)} clients got no answer within {CLIENT_TIMEOUT_S:.0f} s: {unanswered[:3]}"
    assert {a.status for a in answers} <= {200, 503}, sorted({a.status for a in answers})
    served = [a for a in answers if a.status == 200]
    refused = [a for a in answers if a.status == 503]
    assert served and refused, (len(served), len(refused))
    assert all(a.audio_bytes > 24_000 for a in served)  # WAV with at least half a second of 24 kHz audio
    assert all(a.retry_after is not None and a.retry_after.isdigit() and int(a.retry_after) >= 1 for a in refused)
    by_wait = [a for a in refused if "speech accepted before this request" in a.message]
    assert by_wait, "no refusal came from the wait bound: " + refused[0].message
    for answer in by_wait:  # "needs about W s to render; try again in W s", W above the bound
        wait = int(re.search(r"needs about (\d+) s", answer.message).group(1))
        assert int(answer.retry_after) == wait >= MAX_WAIT_S, answer
    assert health["backlog"]["segments"] == 0, health["backlog"]  # every segment reserved was given back
    print(
        f"burst of {CLIENTS} with a CPU hog: {len(served)} served (slowest {max(a.seconds for a in served):.1f} s), "
        f"{len(refused)} refused ({len(by_wait)} by the wait bound), Retry-After "
        f"{min(int(a.retry_after) for a in refused)}-{max(int(a.retry_after) for a in refused)} s"
    )
