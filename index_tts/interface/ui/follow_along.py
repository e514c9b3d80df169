"""The follow-along text under the player: the text as typed, each word a span that knows when it is said.

The page's script (``static/follow_along.js``) lights up the word being spoken while a result plays,
keeps it in view and seeks the player when a word is clicked. The Synthesize button's result is drawn
here; the streamed result is drawn by the script from the same pieces (``GET /api/stream/{token}/timings``).
"""

from __future__ import annotations

import html

from ...serving.timestamps import Piece


def follow_html(parts: list[Piece], source: str = "file") -> str:
    """The pieces as the page shows them; ``source`` says which player they follow (file or stream)."""
    spans = []
    for text, start, end in parts:
        shown = html.escape(text).replace("\n", "<br>")
        if start is None:
            spans.append(shown)
        else:
            spans.append(f'<span class="fa-w" data-s="{start}" data-e="{end}">{shown}</span>')
    return f'<div class="follow-text" data-source="{source}">{"".join(spans)}</div>'
