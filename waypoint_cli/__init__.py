"""The `waypoint` command: the one place that joins the domain (models) and the demo-data
generator (seed_data), so that models never imports seed_data."""
