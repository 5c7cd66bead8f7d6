"""Sections of the case and admin pages that live in their own modules (keeps pages thin)."""
