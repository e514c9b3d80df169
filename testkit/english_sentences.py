"""English sentences for the English voices' intelligibility (``bench/wer_bench.py``).

Written on 2026-12-06 before any English voice was scored with them. ``DEV`` chooses (the English default
voice); ``HELD_OUT`` only reports. Neither overlaps the sentences of ``tests/test_intelligibility.py``.
"""

DEV = [
    "The library closes early on Sundays.",
    "Could you pass me the salt, please?",
    "Our flight was delayed by two hours.",
    "The garden looks beautiful in the spring.",
    "I left my keys on the kitchen table.",
    "The students finished their project on time.",
    "Please call me back when you get this message.",
    "A small dog was sleeping under the bench.",
    "We watched the sunset from the top of the hill.",
    "The doctor will see you in a few minutes.",
    "He painted the fence a bright shade of blue.",
    "Fresh bread smells wonderful in the morning.",
]
HELD_OUT = [
    "The river runs quietly past the old mill.",
    "Remember to water the plants while I am away.",
    "The concert tickets sold out in an hour.",
    "My grandmother tells the best stories.",
    "Keep the receipt in case you need to return it.",
    "The train to the airport leaves every ten minutes.",
    "She learned to swim when she was six.",
    "Our neighbors are moving to a new city next month.",
    "The soup needs a little more pepper.",
    "Every visitor gets a map at the front desk.",
    "The wind knocked over the sign outside the shop.",
    "I would like a cup of tea with milk.",
]
