"""Pure figure builders for the dashboards: data and translated text in, a plotly figure out.

No ``st.*`` here: pages fetch, translate and draw; these functions only shape the figure.
"""
