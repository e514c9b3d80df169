"""A stand-in for the upstream ``indextts`` package: it records calls and returns tones, no weights needed."""

__version__ = "2.0.0-stub"
