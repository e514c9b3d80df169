"""Texts in Latin letters for choosing who reads them when no voice is named (``bench/latin_language_bench.py``).

A text in Latin letters is English unless the identifier is sure it is Spanish, French, Italian or Portuguese.
``DEV`` chose the identifier and its threshold; ``HELD_OUT`` (written with ``DEV`` on 2026-12-07, before either
was run) only reports. Both add short phrases, as people type them, and English with foreign names and words
(which must stay English) to the intelligibility sentences of ``english_sentences`` and ``romance_sentences``.
Keys are the reading languages (``g2p.LATIN_READINGS``; English is "en").
"""

from testkit import english_sentences, romance_sentences

_DEV_EXTRA = {
    "en": [
        "Hello!",
        "Good morning, everyone.",
        "Thank you very much.",
        "See you tomorrow.",
        "The café on Main Street sells croissants.",
        "José and Maria moved to San Diego last year.",
        "OK",
        "Press play to start.",
    ],
    "es": ["Hola, ¿qué tal?", "Muchas gracias.", "Buenos días a todos.", "¿Dónde está la estación?"],
    "fr-fr": ["Bonjour tout le monde.", "Merci beaucoup.", "Où est la gare ?", "À demain !"],
    "it": ["Buongiorno a tutti.", "Grazie mille.", "Dov'è la stazione?", "A domani!"],
    "pt-br": ["Bom dia a todos.", "Muito obrigado.", "Onde fica a estação?", "Até amanhã!"],
}

_HELD_OUT_EXTRA = {
    "en": [
        "Hi there!",
        "Welcome to the exhibition.",
        "Please wait a moment.",
        "We had pizza and gelato in Rome.",
        "The conference is in Paris this year.",
        "Buenos Aires is the capital of Argentina.",
        "I love this song.",
        "Turn left at the next corner.",
    ],
    "es": ["Hasta luego.", "Me llamo Carmen y vivo en Madrid.", "¿Cuánto cuesta este libro?", "Feliz cumpleaños, amigo."],
    "fr-fr": [
        "Bonsoir, madame.",
        "Je m'appelle Pierre et j'habite à Lyon.",
        "Combien coûte ce livre ?",
        "Joyeux anniversaire, mon ami.",
    ],
    "it": ["Buonasera, signora.", "Mi chiamo Marco e abito a Roma.", "Quanto costa questo libro?", "Buon compleanno, amico mio."],
    "pt-br": [
        "Boa noite, senhora.",
        "Meu nome é João e moro em São Paulo.",
        "Quanto custa este livro?",
        "Feliz aniversário, meu amigo.",
    ],
}


def _with(base_en: list[str], base_romance: dict[str, list[str]], extra: dict[str, list[str]]) -> dict[str, list[str]]:
    texts = {"en": [*base_en, *extra["en"]]}
    for language, sentences in base_romance.items():
        texts[language] = [*sentences, *extra[language]]
    return texts


DEV = _with(english_sentences.DEV, romance_sentences.DEV, _DEV_EXTRA)
HELD_OUT = _with(english_sentences.HELD_OUT, romance_sentences.HELD_OUT, _HELD_OUT_EXTRA)
