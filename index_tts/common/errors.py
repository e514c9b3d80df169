"""Exceptions whose messages are meant to be shown to people as they are."""

from __future__ import annotations

from collections.abc import Mapping


class TTSError(ValueError):
    """Bad input or a request the engine cannot serve; the message says what to change.

    The message is English (the API's and the CLI's). One a page visitor can meet also carries ``key``,
    a string of ``i18n.STRINGS``, with its ``values``; ``labels`` name further strings that are
    themselves translated (the control the visitor knows), so the page says it in its own language.
    """

    def __init__(
        self,
        message: str,
        key: str | None = None,
        values: Mapping[str, object] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.key = key
        self.values = dict(values or {})
        self.labels = dict(labels or {})

    def in_language(self, lang: str) -> str:
        """The message in ``lang`` ("zh" or "en"); the English message where no translation is kept."""
        if self.key is None:
            return str(self)
        from .i18n import t

        labels = {name: t(key, lang) for name, key in self.labels.items()}
        return t(self.key, lang, **self.values, **labels)


class CheckpointError(RuntimeError):
    """A model file is missing or corrupt; the message names the file and the fix."""


class DeviceError(RuntimeError):
    """The device asked for (``--device``) cannot be used; the message says what to install or change."""
