"""Waits shared by the browser tests.

The result's info line and its audio arrive in one update, but the audio player
draws its download link a moment later: a test that reads the link must wait
for both, or it races the player.
"""

from __future__ import annotations

RESULT_READY = """([old]) => {
    const info = document.querySelector('#synthesis-info');
    const link = document.querySelector('#output a[download]');
    return info !== null && info.innerText !== old && info.innerText.trim().startsWith('音频') && link !== null && !!link.href;
}"""


def wait_for_result(page, timeout_ms: int, previous_info: str | None = None) -> None:
    """Wait until a new result is shown (its info line starts 音频 …, not a status) and its download link is drawn."""
    page.wait_for_function(RESULT_READY, arg=[previous_info], timeout=timeout_ms)


def fill_text(page, text: str, timeout_ms: int = 30_000) -> None:
    """Type ``text`` into the text box and wait until the count under it follows: the page's events are wired
    then, so a button pressed next is heard (a click before that does nothing, and its result never comes)."""
    page.locator("textarea").first.fill(text)
    page.wait_for_function(
        "(n) => document.querySelector('#char-count')?.innerText.includes(String(n))", arg=len(text), timeout=timeout_ms
    )
