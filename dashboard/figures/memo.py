"""Built figures, remembered: a page run that draws the same numbers as the run before reuses
the figure instead of building and validating it again (plotly's validation is most of a
cached page run's work)."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

MAX_FIGURES = 256


def _frozen(value: object) -> Hashable:
    """``value`` as a hashable key: lists and tuples as tuples, dicts as sorted item tuples;
    raises ``TypeError`` for anything else that is not hashable."""
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_frozen(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), _frozen(v)) for k, v in value.items())))
    hash(value)
    return (type(value).__qualname__, value)


def remembered(builder: Callable[P, R]) -> Callable[P, R]:
    """Wrap a figure builder so that equal arguments return the figure built before. The
    figure is shared: callers hand it to ``st.plotly_chart`` (which copies it) and never
    change it. Arguments that cannot be keyed are simply built every time."""
    figures: OrderedDict[Hashable, R] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(builder)
    def build(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            key = _frozen((args, kwargs))
        except TypeError:
            return builder(*args, **kwargs)
        with lock:
            if key in figures:
                figures.move_to_end(key)
                return figures[key]
        figure = builder(*args, **kwargs)
        with lock:
            figures[key] = figure
            while len(figures) > MAX_FIGURES:
                figures.popitem(last=False)
        return figure

    return build
