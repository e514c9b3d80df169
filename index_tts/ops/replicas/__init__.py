"""Several copies of the app on one or more hosts: Redis for what they share, HAProxy in front
(``./start_app.sh --replicas N``; docs/replicas.md)."""
