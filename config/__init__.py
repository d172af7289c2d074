"""City configuration (policy packs, the demo city) and the runtime settings read from the environment."""
