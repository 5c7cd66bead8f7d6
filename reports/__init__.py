"""Files and frames for people: the exports (CSV, Excel, HTML, PDF), the impact report's
marked tables and the import template. Streamlit-free; built on models, never imported by it."""
