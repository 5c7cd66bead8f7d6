"""Values derived from the case facts and stored beside them, so that lists and dashboards of
100,000 cases read a column instead of computing every row: the risk level (``risk``)."""

from models.stored.risk import (
    RiskColumns,
    refresh,
    refresh_if_due,
    refresh_statistics,
    risk_columns,
    store_all,
    store_case,
    store_cases,
    stored_as_of,
    vacuum_after_load,
)

__all__ = [
    "RiskColumns",
    "refresh",
    "refresh_if_due",
    "refresh_statistics",
    "risk_columns",
    "store_all",
    "store_case",
    "store_cases",
    "stored_as_of",
    "vacuum_after_load",
]
