"""Spanish, French, Italian and Portuguese sentences for those voices' intelligibility
(``bench/romance_bench.py``, ``tests/test_romance_voices.py``).

``DEV`` decided whether these voices are offered at all (each voice read them once, through espeak-ng's
phonemes, before any code of the app read these languages). ``HELD_OUT`` was written on 2026-12-07 after that
and before any figure on it was seen, and only reports; the bound it is held to (``OFFER_BOUND``) was fixed
with it. Keys are the voices' languages (``catalog.LANGUAGES``).
"""

OFFER_BOUND = 0.30  # pooled word error rate under Whisper base, per voice, on HELD_OUT

DEV = {
    "es": [
        "El tren de la mañana llega siempre con retraso.",
        "Mi hermana trabaja en un hospital cerca del río.",
        "¿Quieres tomar un café conmigo esta tarde?",
        "La biblioteca cierra a las ocho de la noche.",
    ],
    "fr-fr": [
        "Le train du matin arrive toujours en retard.",
        "Ma sœur travaille dans un hôpital près de la rivière.",
        "Veux-tu prendre un café avec moi cet après-midi ?",
        "La bibliothèque ferme à huit heures du soir.",
    ],
    "it": [
        "Il treno del mattino arriva sempre in ritardo.",
        "Mia sorella lavora in un ospedale vicino al fiume.",
        "Vuoi prendere un caffè con me questo pomeriggio?",
        "La biblioteca chiude alle otto di sera.",
    ],
    "pt-br": [
        "O trem da manhã sempre chega atrasado.",
        "Minha irmã trabalha num hospital perto do rio.",
        "Você quer tomar um café comigo hoje à tarde?",
        "A biblioteca fecha às oito da noite.",
    ],
}

HELD_OUT = {
    "es": [
        "Los niños juegan en el parque después de la escuela.",
        "Necesito comprar pan y leche antes de volver a casa.",
        "El museo abre sus puertas a las diez de la mañana.",
        "Mañana vamos a visitar a mis abuelos en el campo.",
        "La película fue mucho mejor de lo que esperaba.",
        "Por favor, cierra la ventana porque hace frío.",
    ],
    "fr-fr": [
        "Les enfants jouent dans le parc après l'école.",
        "Je dois acheter du pain et du lait avant de rentrer.",
        "Le musée ouvre ses portes à dix heures du matin.",
        "Demain, nous allons rendre visite à mes grands-parents.",
        "Le film était bien meilleur que ce que j'attendais.",
        "S'il te plaît, ferme la fenêtre parce qu'il fait froid.",
    ],
    "it": [
        "I bambini giocano nel parco dopo la scuola.",
        "Devo comprare il pane e il latte prima di tornare a casa.",
        "Il museo apre le sue porte alle dieci del mattino.",
        "Domani andiamo a trovare i nonni in campagna.",
        "Il film è stato molto migliore di quanto mi aspettassi.",
        "Per favore, chiudi la finestra perché fa freddo.",
    ],
    "pt-br": [
        "As crianças brincam no parque depois da escola.",
        "Preciso comprar pão e leite antes de voltar para casa.",
        "O museu abre as portas às dez horas da manhã.",
        "Amanhã vamos visitar os meus avós no interior.",
        "O filme foi muito melhor do que eu esperava.",
        "Por favor, feche a janela porque está frio.",
    ],
}
