"""Widgets the dashboard pages share: filter bars, numbers tables, paging and case links."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from dashboard import data
from dashboard.i18n import _, label
from dashboard.links import CASE_LINK_DISPLAY, case_url
from models.access import Actor
from models.dashboards.common import CaseFilters
from models.enums import Category, PermitType, Stage
from models.risk import RiskLevel

PAGE_SIZE = 50


class HasRows(Protocol):
    @property
    def rows(self) -> object: ...


P = TypeVar("P", bound=HasRows)


def _pick(
    title: str, options: Sequence[object], key: str, fmt: Callable[[Any], str]
) -> tuple[Any, ...]:
    return tuple(
        st.multiselect(title, list(options), format_func=fmt, key=key, placeholder=_("All"))
    )


def case_filters(
    prefix: str, *, actor: Actor, fields: Sequence[str] = ("category", "stage", "level", "org")
) -> CaseFilters:
    """A row of multiselects (empty means all); the filters they set."""
    organisations = dict(data.organisations_in_scope(actor=actor))
    shown = [f for f in fields if f != "org" or len(organisations) > 1]
    values: dict[str, tuple[Any, ...]] = {}
    for column, field in zip(st.columns(len(shown) or 1), shown, strict=False):
        with column:
            key = f"{prefix}_filter_{field}"
            if field == "category":
                values["categories"] = _pick(_("Category"), list(Category), key, label)
            elif field == "stage":
                values["stages"] = _pick(_("Stage"), list(Stage), key, label)
            elif field == "level":
                values["levels"] = _pick(
                    _("Risk level"),
                    sorted(RiskLevel, reverse=True),
                    key,
                    lambda level: _(RiskLevel(level).label),
                )
            elif field == "permit":
                values["permit_types"] = _pick(_("Permit type"), list(PermitType), key, label)
            elif field == "org":
                values["organisation_ids"] = _pick(
                    _("Organisation"),
                    list(organisations),
                    key,
                    lambda org_id: organisations[org_id],
                )
    return CaseFilters(**values)


def numbers(frame: pd.DataFrame, *, title: str | None = None, key: str | None = None) -> None:
    """A chart's numbers as a plain table in an expander."""
    with st.expander(title or _("Numbers behind this chart")):
        st.dataframe(frame, hide_index=True, width="stretch", key=key)


def paged(fetch: Callable[[int], P], *, key: str, page_size: int = PAGE_SIZE) -> tuple[P, int]:
    """Fetch the page chosen in ``pager(key)`` (``fetch(offset)`` returns an object with
    ``rows``); back to the first page when the filters left fewer rows. Returns it and its
    offset."""
    offset = (int(st.session_state.get(key, 1)) - 1) * page_size
    result = fetch(offset)
    if offset and not result.rows:
        st.session_state[key] = 1
        return fetch(0), 0
    return result, offset


def pager(total: int, *, key: str, page_size: int = PAGE_SIZE) -> None:
    """A page-number input when ``total`` needs more than one page."""
    pages = max(1, -(-total // page_size))
    if pages > 1:
        st.columns([1, 3])[0].number_input(
            _("Page (of {pages})", pages=pages), min_value=1, max_value=pages, step=1, key=key
        )


def shown_caption(offset: int, rows: int, total: int) -> None:
    if total:
        st.caption(
            _(
                "Showing {first}–{last} of {total}.",
                first=offset + 1,
                last=offset + rows,
                total=total,
            )
        )


def case_link_column(title: str) -> ColumnConfig:
    return st.column_config.LinkColumn(title, display_text=CASE_LINK_DISPLAY)


def case_links(codes: Sequence[str]) -> list[str]:
    return [case_url(code) for code in codes]


def reasons_text(reasons: Sequence[str]) -> str:
    return "; ".join(_(reason) for reason in reasons)


def level_text(level: RiskLevel | None) -> str:
    return "—" if level is None else _(level.label)


def empty_caseload_guide(actor: Actor) -> None:
    """On an empty caseload, say how to start: import a spreadsheet or open a case."""
    if not data.caseload_is_empty(actor=actor):
        return
    with st.container(border=True, key="wp_empty_guide"):
        st.markdown("**" + _("No cases yet") + "**")
        st.markdown(
            _(
                "Bring in your existing caseload from a spreadsheet on the [Import cases]"
                "(/import) page (a template with English or Russian headers is there), or "
                "open cases one by one with the [New case](/new-case) form."
            )
        )
