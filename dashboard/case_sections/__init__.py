"""Sections of the case page, each its own module."""
