"""Reference data (cities, boundaries) and the deterministic demo-data generator."""
