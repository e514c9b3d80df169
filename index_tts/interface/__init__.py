"""Entry points: the command line, the web server with its page and HTTP API."""
