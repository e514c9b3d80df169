"""WebUI entry point. The Gradio interface is not built yet; until then this points to the CLI."""

import sys

MESSAGE = """The web interface is not available in this version yet.
Synthesize from the command line instead, for example:
  .venv/bin/python -m index_tts synth --text "你好，世界！" --out outputs/hello.wav
  .venv/bin/python -m index_tts voices"""


def main() -> int:
    print(MESSAGE, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
