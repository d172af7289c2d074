"""Scripts run from the project root (`python -m scripts.NAME` or `python scripts/NAME.py`)."""
