"""Who can reach the app: a public link or a network address without a password is refused unless asked for.

Kept free of heavy imports so ``start_app.sh`` can check its flags in a blink,
before it stops a running instance: a refused start must not take the old one down.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to a network address, so treat it as one


def exposure_problem(host: str, share: bool, auth: object, allow_no_auth: bool) -> str | None:
    """Why these flags would expose the app without a password, or ``None`` when they are fine."""
    if auth is not None or allow_no_auth:
        return None
    if share:
        return "--share makes a public link; protect it with --auth USER:PASS (or pass --allow-no-auth to open it to anyone)"
    if not is_loopback(host):
        return (
            f"--host {host} lets other machines in; protect the app with --auth USER:PASS "
            "(or pass --allow-no-auth to open it to anyone on the network)"
        )
    return None


def main(argv: list[str] | None = None) -> int:
    """``python -m index_tts.exposure [webui flags]``: exit 2 with one line when the flags are refused."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--share", action="store_true")
    parser.add_argument("--auth", default=None)
    parser.add_argument("--allow-no-auth", action="store_true")
    args, _ = parser.parse_known_args(argv)
    problem = exposure_problem(args.host, args.share, args.auth, args.allow_no_auth)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
