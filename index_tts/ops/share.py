"""``--share``: a public Gradio link when the internet is reachable, one clear line when it is not.

Start-up never waits for this: the probe and the tunnel run in a background
thread after the local server is already serving.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading

log = logging.getLogger(__name__)

SHARE_API_HOST = "api.gradio.app"
PROBE_TIMEOUT_S = 2.0


def internet_reachable(host: str = SHARE_API_HOST, port: int = 443, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """True if a TCP connection to ``host`` opens within ``timeout`` seconds (DNS included)."""
    outcome: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                outcome.append(True)
        except OSError:
            outcome.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)  # name resolution ignores socket timeouts, so bound the whole probe
    return bool(outcome and outcome[0])


def open_share_link(local_port: int, has_auth: bool) -> str | None:
    """Create the tunnel and return the public URL, or ``None`` with one logged line saying why."""
    if not has_auth:
        log.warning("share: the public link has no password; anyone with it can use the app (add --auth USER:PASS)")
    if not internet_reachable():
        log.warning("share: no internet connection, so no public link; the app keeps serving locally")
        return None
    try:
        from gradio import networking

        url = networking.setup_tunnel("127.0.0.1", local_port, secrets.token_urlsafe(32), None, None)
    except Exception as exc:  # the tunnel depends on a remote service and a helper binary
        log.warning("share: could not create the public link (%s); the app keeps serving locally", exc)
        return None
    url = url.replace("http://", "https://", 1)
    log.info("share: public URL %s", url)
    print(f"* Public URL: {url}", flush=True)
    return url


def start_share(local_port: int, has_auth: bool) -> threading.Thread:
    """Open the share link in the background so start-up is not delayed."""
    thread = threading.Thread(target=open_share_link, args=(local_port, has_auth), name="share", daemon=True)
    thread.start()
    return thread
