"""Gradio's own strings start in the page's language, not the browser's.

Gradio's frontend picks its locale from ``navigator.language`` once, as it boots, and draws several of
its strings (an audio box's "Drop Audio Here") in that locale once (ui/wiring.py redraws them on a switch).
So the page's HTML gets a first script, ahead of Gradio's, that makes the browser report the language the visitor
chose last on this machine (kept in ``localStorage`` by the switch), else the app's ``--lang``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STORAGE_KEY = "indexTTS.lang"
LOCALES = {"zh": "zh-CN", "en": "en-US"}


def boot_script(default_lang: str) -> str:
    """The ``<script>`` that sets the browser's reported language before Gradio starts."""
    return (
        "<script>(() => {"
        f"let lang = {json.dumps(default_lang)};"
        f"try {{ lang = localStorage.getItem({json.dumps(STORAGE_KEY)}) || lang; }} catch (e) {{}}"
        f"const locale = ({json.dumps(LOCALES)})[lang] || {json.dumps(LOCALES['zh'])};"
        "window.indexTTSPageLang = lang;"
        "for (const [name, value] of [['language', locale], ['languages', [locale]]]) {"
        "  try { Object.defineProperty(Navigator.prototype, name, {get: () => value, configurable: true}); } catch (e) {}"
        "}"
        "})();</script>"
    )


class BootLanguage:
    """ASGI middleware: adds ``boot_script`` at the top of the page's ``<head>`` (only the page at "/")."""

    def __init__(self, app: ASGIApp, default_lang: str) -> None:
        self.app = app
        self.script = boot_script(default_lang).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") != "/":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = bytearray()

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            await self._send_page(start, bytes(body), send)

        await self.app(scope, receive, capture)

    async def _send_page(self, start: Message, body: bytes, send: Send) -> None:
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        is_html = any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)
        encoded = any(k.lower() == b"content-encoding" for k, v in headers)
        if is_html and not encoded and b"<head>" in body:
            body = body.replace(b"<head>", b"<head>" + self.script, 1)
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})
