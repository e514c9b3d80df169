"""Golden cases for English normalization."""

import pytest

from index_tts.frontend.pipeline import normalize

NORMALIZATION = [
    ("I have 3 apples.", "I have three apples."),
    ("There were 2026 people.", "There were two thousand twenty-six people."),
    ("It was 1,234,567 in total.", "It was one million two hundred thirty-four thousand five hundred sixty-seven in total."),
    ("Pi is 3.14.", "Pi is three point one four."),
    ("It fell to -5 today.", "It fell to minus five today."),
    ("Growth was 50%.", "Growth was fifty percent."),
    ("Add 3/4 cup.", "Add three quarters cup."),
    ("About 2/3 agreed.", "About two thirds agreed."),
    ("Wait 3~5 days.", "Wait three to five days."),
    ("Released 2026-01-19.", "Released January nineteenth, twenty twenty-six."),
    ("Born in 1990.", "Born in nineteen ninety."),
    ("Meet at 14:30.", "Meet at fourteen thirty."),
    ("Meet at 2:05.", "Meet at two oh five."),
    ("Meet at 10:00.", "Meet at ten o'clock."),
    ("Her time was 2:01:51.", "Her time was two hours one minute fifty-one seconds."),
    ("Call 555-123-4567 now.", "Call five five five one two three four five six seven now."),
    ("It costs $3.99.", "It costs three dollars and ninety-nine cents."),
    ("Pay $1 now.", "Pay one dollar now."),
    ("That is ¥100.", "That is one hundred yuan."),
    ("Latency is 200ms.", "Latency is two hundred milliseconds."),
    ("We need 16GB of memory.", "We need sixteen gigabytes of memory."),
    ("Drive at 120km/h.", "Drive at one hundred twenty kilometers per hour."),
    ("It weighs 1kg.", "It weighs one kilogram."),
    ("It is 25℃ outside.", "It is twenty-five degrees Celsius outside."),
    ("She came 1st and he was 22nd.", "She came first and he was twenty-second."),
    ("Agent 007 is here.", "Agent zero zero seven is here."),
    ("Dr. Smith vs. Mr. Jones.", "Doctor Smith versus Mister Jones."),
    ("Visit https://www.example.com/docs now.", "Visit WWW dot example dot com slash docs now."),
    ("Mail john.doe@example.com today.", "Mail john dot doe at example dot com today."),
    ("AI on a GPU at 500 QPS.", "AI on a GPU at five hundred QPS."),
    ("Ｆｕｌｌ ｗｉｄｔｈ １２", "Full width twelve"),
]


@pytest.mark.parametrize(("text", "expected"), NORMALIZATION)
def test_english_normalization(text: str, expected: str) -> None:
    from index_tts.frontend.cleaning import clean_text

    assert normalize(clean_text(text), "en") == expected


def test_acronyms_are_spelled(frontend) -> None:
    phonemes = frontend.process("The GPU serves AI at high QPS.", "en").segments[0].phonemes
    assert "ʤˌipˌijˈu" in phonemes and "ˌAˈI" in phonemes and "kjˌupˌiˈɛs" in phonemes
