"""Waypoint's data layer: tables, settings, database, access policy and queries.

Nothing in this package imports streamlit.
"""
