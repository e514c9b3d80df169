"""``X-TTS-Replica: NAME`` on every answer of a replica, so a client (or a test) behind the balancer knows
which one served it. Plain ASGI, so streamed answers pass through untouched."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-tts-replica"


class ReplicaHeader:
    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.value = name.encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_name(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (HEADER.encode(), self.value)]
            await send(message)

        await self.app(scope, receive, send_with_name)
