"""Exceptions whose messages are meant to be shown to people as they are."""


class TTSError(ValueError):
    """Bad input or a request the engine cannot serve; the message says what to change."""


class CheckpointError(RuntimeError):
    """A model file is missing or corrupt; the message names the file and the fix."""


class DeviceError(RuntimeError):
    """The device asked for (``--device``) cannot be used; the message says what to install or change."""
