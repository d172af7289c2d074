"""The FastAPI application: the JSON API, the staff console, the resident and owner portal, Open311 and the providers' webhooks."""
