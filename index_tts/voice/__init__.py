"""Voice and emotion: IndexTTS2's emotion controls, reference clips, and how they become a delivery."""
