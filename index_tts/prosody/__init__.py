"""Prosody: the controls an engine exposes between predicting and rendering speech, and the
Mandarin intonation built on them."""

from .controls import Prosody, ProsodyTrack, apply_controls

__all__ = ["Prosody", "ProsodyTrack", "apply_controls"]
