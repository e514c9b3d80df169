"""IndexTTS2, for people who bring its checkpoints: the real upstream inference code behind our engine.

``engine`` maps a segment onto ``IndexTTS2.infer`` (or ``batch``, our batched renderer on upstream's own
modules); ``files`` says which checkpoint files it needs and where the hub cache is; ``random_weights``
writes checkpoints of the release's layout with random weights, so the engine is tested for real here.
Nothing is imported here: torch loads only when the engine does.
"""
