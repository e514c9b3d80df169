"""Entry points: the web server (``launch``, ``app``, ``server``) with its page (``ui/``) and HTTP API (``api/``),
and the command line (``cli``); their options are the settings (``common.settings``), as flags (``flags``)."""
