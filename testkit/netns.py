"""A second host for tests: a network namespace of its own, joined to this one by a private veth link.

Needs root (CAP_NET_ADMIN) and iproute2's ``ip``; ``available()`` says whether this machine allows it.
Everything made here is removed on exit, even when the test fails.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class PrivateHost:
    namespace: str
    host_ip: str  # this side of the link (what the second host sees the balancer as)
    guest_ip: str  # the second host's address

    def command(self, *argv: str) -> list[str]:
        """``argv`` run inside the second host."""
        return ["ip", "netns", "exec", self.namespace, *argv]


def available() -> bool:
    return os.geteuid() == 0 and shutil.which("ip") is not None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@contextmanager
def private_host() -> Iterator[PrivateHost]:
    tag = f"{os.getpid() % 10000}{random.randrange(100)}"
    net = random.randrange(1, 250)
    namespace, outside, inside = f"tts-{tag}", f"vth{tag}", f"vtg{tag}"
    host = PrivateHost(namespace, f"10.231.{net}.1", f"10.231.{net}.2")
    _ip("netns", "add", namespace)
    try:
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", namespace)
        _ip("addr", "add", f"{host.host_ip}/30", "dev", outside)
        _ip("link", "set", outside, "up")
        _ip("netns", "exec", namespace, "ip", "addr", "add", f"{host.guest_ip}/30", "dev", inside)
        _ip("netns", "exec", namespace, "ip", "link", "set", inside, "up")
        _ip("netns", "exec", namespace, "ip", "link", "set", "lo", "up")
        yield host
    finally:
        subprocess.run(["ip", "link", "del", outside], capture_output=True, timeout=10)
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, timeout=10)
