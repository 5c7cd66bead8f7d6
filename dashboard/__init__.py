"""Waypoint's Streamlit front end: entry script, sign-in glue, caching, figures and pages."""
