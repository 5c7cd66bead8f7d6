"""The page files, run by ``st.navigation`` (a package, so that the import contracts see them)."""
