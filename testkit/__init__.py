"""What the tests and the benchmarks both use, so that neither imports the other.

``app_process`` starts and stops the real app as people do (``./start_app.sh``) on a free port;
``burst`` fires many clients at once; ``mandarin_judge`` (a Mandarin recogniser from PyPI data
wheels), ``cer_errors``, ``mandarin_sentences`` and ``tone_classifier`` are the independent judges
and the sentence sets the intelligibility and tone figures are measured with.
"""
