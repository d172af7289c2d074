"""Side effects, one module per family. Every activity is idempotent: a retry does not repeat its effect."""
