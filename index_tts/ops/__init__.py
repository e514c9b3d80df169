"""Running the app in the field: PID file, public share link, exposure checks, rate limit, USB bundle."""
