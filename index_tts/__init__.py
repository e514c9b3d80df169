"""IndexTTS demo app: an offline, expressive text-to-speech library and WebUI.

The package is layered so every piece can be tested alone:
``frontend`` turns raw text into speakable segments, ``engines`` turn one
segment into audio, and ``synthesizer`` glues the two together.
"""

__version__ = "0.1.0"

SAMPLE_RATE = 24_000
