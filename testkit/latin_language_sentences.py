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

# Written after the first run, which met its Romance target on ``HELD_OUT`` but sent one English text there to
# Italian ("We had pizza and gelato in Rome.", at 0.80 against a threshold of 0.80); a second rule (a margin of
# one step above the lowest threshold the dev texts allow) was fixed then, and these texts written before it ran.
HELD_OUT_2 = {
    "en": [
        "Good evening, ladies and gentlemen.",
        "Can you recommend a good restaurant?",
        "My sister studies medicine in Barcelona.",
        "The pasta was delicious, but the tiramisu was even better.",
        "Our flight to Lisbon leaves at noon.",
        "She ordered a latte and a croissant.",
        "Read the instructions before you begin.",
        "The museum has paintings by Picasso and Monet.",
        "It is raining again today.",
        "Where did you park the car?",
        "The mariachi band played all night.",
        "We stayed at a small hotel near the Duomo.",
        "Thanks for coming!",
        "This recipe needs fresh basil and mozzarella.",
        "The train was late again this morning.",
        "He speaks English, Spanish and a little French.",
        "Our team won the match on Saturday.",
        "Please send me the report by Friday.",
        "I bought a new guitar last week.",
        "Carlos and Sofia are getting married in June.",
    ],
    "es": [
        "Buenas noches.",
        "El perro duerme debajo de la mesa.",
        "¿Puedes ayudarme con esta maleta?",
        "Hoy hace mucho calor en Sevilla.",
        "Nos vemos el lunes en la oficina.",
        "Mi padre cocina una paella deliciosa.",
    ],
    "fr-fr": [
        "Bonne nuit.",
        "Le chien dort sous la table.",
        "Peux-tu m'aider avec cette valise ?",
        "Il fait très chaud aujourd'hui à Marseille.",
        "On se voit lundi au bureau.",
        "Mon père prépare une excellente ratatouille.",
    ],
    "it": [
        "Buona notte.",
        "Il cane dorme sotto il tavolo.",
        "Puoi aiutarmi con questa valigia?",
        "Oggi fa molto caldo a Napoli.",
        "Ci vediamo lunedì in ufficio.",
        "Mio padre cucina un ottimo risotto.",
    ],
    "pt-br": [
        "Boa tarde.",
        "O cachorro dorme embaixo da mesa.",
        "Você pode me ajudar com esta mala?",
        "Hoje está muito calor no Rio de Janeiro.",
        "A gente se vê na segunda no escritório.",
        "Meu pai faz uma feijoada deliciosa.",
    ],
}
