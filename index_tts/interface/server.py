"""The web server: the port reserved before the model loads, and uvicorn with a clean drain on SIGTERM.

The port is bound (but not listening) before the model loads, so a taken port
fails at once with one clear line, and nobody can connect until the model is warm.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
import socket
import threading
from collections.abc import Callable

import fastapi
import uvicorn

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """The app cannot start; the message is the one line shown to the person starting it."""


def reserve_port(host: str, port: int) -> socket.socket:
    """Bind ``host:port`` now without listening; raise ``StartupError`` if it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # SO_REUSEADDR lets a restart reuse a port whose old connections sit in TIME_WAIT; a live listener still blocks it
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(f"port {port} on {host} is already in use: stop the other program or pass --port N") from exc
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.set_inheritable(True)
    return sock


class _QuietShutdown(logging.Filter):
    """Turn uvicorn's traceback for a page still connected at shutdown into one plain line."""

    @staticmethod
    def _cancelled(exc: BaseException | None) -> bool:
        seen = 0
        while exc is not None and seen < 10:  # the CancelledError may sit anywhere in the chain
            if isinstance(exc, asyncio.CancelledError | SystemExit):
                return True
            exc, seen = exc.__cause__ or exc.__context__, seen + 1
        return False

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and self._cancelled(record.exc_info[1]):
            record.msg, record.args = "closed a connection still open at shutdown", ()
            record.exc_info, record.exc_text = None, None
        return True


def exit_cleanly_on_signals() -> None:
    """Make SIGTERM/SIGINT end the process through ``SystemExit``.

    uvicorn re-raises the signal that stopped it once it has shut down; with the
    default handler that kills the process before ``finally`` blocks and atexit
    hooks run (PID file removal, phonemizer's temp-folder cleanup). Raising
    ``SystemExit`` instead lets them run.
    """

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)


ANSWER_SECONDS = 0.5  # the end of the drain kept for requests still inside to answer 503


class DrainingServer(uvicorn.Server):
    """A uvicorn server whose drain ends with an answer instead of a dropped request.

    At the end of its graceful shutdown uvicorn cancels the handlers still running, and a client
    waiting for a whole file then gets a bare 500. Here the app's requests are stopped a moment
    before that (``on_drain_timeout``, run in a thread), so their handlers answer 503 "shutting
    down" with a JSON body, and uvicorn's own deadline is left for the connections that remain.
    """

    def __init__(self, config: uvicorn.Config, on_drain_timeout: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self.on_drain_timeout = on_drain_timeout

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        loop = asyncio.get_running_loop()
        total = self.config.timeout_graceful_shutdown or 0.0
        timer = None
        if self.on_drain_timeout is not None:
            stop_requests = self.on_drain_timeout

            def give_up() -> None:
                log.warning("drain time is up: requests still inside are stopped and answered 503")
                loop.run_in_executor(None, stop_requests)

            timer = loop.call_later(max(0.0, total - min(ANSWER_SECONDS, total / 2)), give_up)
        try:
            await super().shutdown(sockets)
        finally:
            if timer is not None:
                timer.cancel()


def make_server(
    app: fastapi.FastAPI,
    host: str,
    port: int,
    drain_seconds: float = 5.0,
    on_drain_timeout: Callable[[], None] | None = None,
    forwarded_allow_ips: str | None = None,
) -> uvicorn.Server:
    """A uvicorn server that, on SIGTERM, stops accepting, lets requests in flight finish for up to
    ``drain_seconds``, then closes what is left (pages still open) so it never needs SIGKILL.
    ``on_drain_timeout`` stops the app's own requests just before that, so they can still answer.
    ``forwarded_allow_ips``: whose X-Forwarded-For names the client (uvicorn's default: 127.0.0.1 only)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        log_config=None,  # use the app's one-line log format
        timeout_graceful_shutdown=drain_seconds,
        forwarded_allow_ips=forwarded_allow_ips,
    )
    logging.getLogger("uvicorn.error").addFilter(_QuietShutdown())
    return DrainingServer(config, on_drain_timeout)


def when_started(server: uvicorn.Server, action: Callable[[], None], timeout: float = 60.0) -> threading.Thread:
    """Run ``action`` in a background thread once ``server`` accepts connections."""

    def wait_then_act() -> None:
        waited = 0.0
        while not server.started and not server.should_exit and waited < timeout:
            threading.Event().wait(0.05)
            waited += 0.05
        if server.started:
            action()

    thread = threading.Thread(target=wait_then_act, name="after-start", daemon=True)
    thread.start()
    return thread
