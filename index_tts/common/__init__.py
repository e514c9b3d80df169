"""What every layer may use: errors, file locations, audio helpers, UI strings and listener notices."""
