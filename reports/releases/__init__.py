"""A published release as people read it (tables, trends, methodology) and its files."""
