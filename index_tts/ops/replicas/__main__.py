"""``python -m index_tts.ops.replicas start|stop`` (what ``./start_app.sh --replicas N`` and ``--stop`` run).

start --replicas N [--port P] [--host H] [--workers W | --replica-workers W] [--join [NAME=]HOST:PORT ...]
      [--join-file FILE] [--redis-bind ADDR] [--redis-port N] [--log-dir DIR] [--drain-timeout S] [any webui.py flag ...]
stop  [--replica NAME]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from ...common.cores import usable_cores
from ...common.paths import REPO_ROOT
from .children import SetupError, command_of, kill_if
from .control import serve_control
from .haproxy_config import Server
from .layout import Layout
from .supervisor import ReplicaSet, read_record

log = logging.getLogger("index_tts.replicas")
STOP_WAIT_S = 45.0  # replicas drain (up to 9 s each, at once), then HAProxy and Redis stop


def run_dir() -> Path:
    return Path(os.environ.get("INDEX_TTS_RUN_DIR") or REPO_ROOT / "run") / "replicas"


def parse_join(values: list[str], first: int = 1) -> list[Server]:
    """``[NAME=]HOST:PORT`` entries as servers (named h1, h2 … when unnamed)."""
    servers = []
    for i, value in enumerate(values, start=first):
        name, _, address = value.rpartition("=")
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise SetupError(f"--join {value!r}: use HOST:PORT or NAME=HOST:PORT")
        servers.append(Server(name or f"h{i}", host.strip("[]"), int(port)))
    return servers


def joined(args: argparse.Namespace) -> list[Server]:
    entries = list(args.join)
    if args.join_file:
        text = Path(args.join_file).read_text(encoding="utf-8")
        entries += [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]
    return parse_join(entries)


def start_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="start_app.sh --replicas N", description="replicas behind HAProxy, sharing Redis")
    parser.add_argument("--replicas", type=int, required=True, help="local replicas (ports P+1 … P+N)")
    parser.add_argument("--port", type=int, default=7860, help="the balancer's port (default 7860)")
    parser.add_argument("--host", default="127.0.0.1", help="the balancer's address (default 127.0.0.1)")
    parser.add_argument("--workers", type=int, default=usable_cores(), help="engine workers in all, split between replicas")
    parser.add_argument("--replica-workers", type=int, help="engine workers per replica (instead of splitting --workers)")
    parser.add_argument("--join", action="append", default=[], metavar="[NAME=]HOST:PORT", help="a replica on another host")
    parser.add_argument("--join-file", help="a file of [NAME=]HOST:PORT lines, one replica on another host each")
    parser.add_argument("--redis-bind", default="127.0.0.1", help="Redis's address (the balancer host's, for other hosts)")
    parser.add_argument("--redis-port", type=int, help="Redis's port (default P+N+1)")
    parser.add_argument("--log-dir", type=Path, default=REPO_ROOT / "logs", help="where each part logs (default ./logs)")
    parser.add_argument("--audio-cache-dir", type=Path, help="local disk caches: DIR/r1 … (default cache_hub/audio_cache)")
    parser.add_argument("--drain-timeout", type=float, default=120.0, metavar="S",
                        help="how long --stop --replica lets a replica finish its requests (default 120 s)")  # fmt: skip
    return parser


def start(argv: list[str]) -> int:
    args, passed = start_parser().parse_known_args(argv)
    if args.replicas < 0 or (args.replicas == 0 and not (args.join or args.join_file)):
        print("error: --replicas needs at least one replica (or --replicas 0 with --join)", file=sys.stderr)
        return 2
    if "--share" in passed:
        print("error: --share serves one process; with --replicas put the balancer's port behind a tunnel", file=sys.stderr)
        return 2
    passed = [flag for flag in passed if flag != "--inbrowser"]
    try:
        layout = Layout(
            root=REPO_ROOT,
            run_dir=run_dir(),
            log_dir=args.log_dir,
            host=args.host,
            port=args.port,
            replicas=args.replicas,
            workers_each=args.replica_workers or max(1, args.workers // max(1, args.replicas)),
            remote=tuple(joined(args)),
            redis_bind=args.redis_bind,
            redis_port=args.redis_port,
            audio_cache_root=args.audio_cache_dir,
            drain_timeout_s=args.drain_timeout,
        )
    except (SetupError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    replica_set = ReplicaSet(layout, passed)
    control = serve_control(replica_set)

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)
    error = None
    try:
        replica_set.start(control.server_port)
        print(f"* Running on local URL: http://{layout.host}:{layout.port} ({len(layout.servers)} replicas)", flush=True)
        replica_set.watch()
    except SetupError as exc:
        error = str(exc)
    except SystemExit as stop:
        log.info("stopping the replica set (signal %d)", int(stop.code or 128) - 128)
    finally:
        replica_set.shutdown()
        control.shutdown()
    if error is not None:  # last, after what stopping printed: the one line to read
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 1
    return 0


def stop(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="start_app.sh --stop", description="stop the replica set, or one replica")
    parser.add_argument("--replica", help="stop this replica only, after draining it")
    args = parser.parse_args(argv)
    record = read_record(run_dir())
    if record is None:
        print("[replicas] no replica set recorded", flush=True)
        return 0
    if args.replica:
        url = f"http://127.0.0.1:{record['control_port']}/replicas/{args.replica}/stop"
        try:
            wait_s = float(record.get("drain_timeout_s", 120.0)) + 60.0  # the drain, then SIGTERM's own
            with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=wait_s) as response:
                print(f"[replicas] {response.read().decode()}", flush=True)
                return 0
        except urllib.error.HTTPError as exc:
            print(f"[replicas] error: {exc.read().decode()}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"[replicas] error: the supervisor does not answer ({exc})", file=sys.stderr)
            return 1
    supervisor = int(record["supervisor"])
    if kill_if(supervisor, "index_tts.ops.replicas"):
        print(f"[replicas] stopping the replica set (supervisor PID {supervisor})", flush=True)
        deadline = time.monotonic() + STOP_WAIT_S
        while command_of(supervisor) and time.monotonic() < deadline:
            time.sleep(0.2)
    for name, pid in record.get("children", {}).items():  # what a supervisor killed by -9 left behind
        expected = {"redis": "redis-server", "haproxy": "haproxy"}.get(name, "webui.py")
        if pid and kill_if(int(pid), expected, signal.SIGKILL if command_of(supervisor) else signal.SIGTERM):
            print(f"[replicas] stopped {name} (PID {pid}) left behind", flush=True)
    (run_dir() / "replicas.json").unlink(missing_ok=True)
    print("[replicas] stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if argv[:1] == ["start"]:
        return start(argv[1:])
    if argv[:1] == ["stop"]:
        return stop(argv[1:])
    print(json.dumps({"usage": __doc__}), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
