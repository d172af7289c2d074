"""The FastAPI application: JSON API, console, and (later) portal, Open311 and webhooks."""
