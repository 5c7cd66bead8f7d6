"""User text inside Streamlit's Markdown, shown as typed and never as markup.

``st.info``, ``st.caption``, ``st.markdown`` and the other text elements read Markdown, and
Streamlit's Markdown goes further than CommonMark: ``:red[...]`` colours, ``:material/...:``
icons, ``$...$`` formulas. A name an admin typed, say an organisation's, must not become a
link, or an image that every reader's browser fetches from another host.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character CommonMark lets a backslash escape that Markdown or
# Streamlit's extensions give a meaning to.
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>:$&])")


def literal(text: object) -> str:
    """``text`` escaped for a Markdown element: it renders as exactly these characters."""
    return _MARKUP.sub(r"\\\1", str(text))
