"""Quarterly releases: what funders see of the network, frozen and differentially private.

A release covers one closed calendar quarter. Its counts carry noise drawn once, when the
draft is prepared, and stored; publishing makes that draft the release. See ``privacy.py``
for the mechanism and the budget, ``counts.py`` for what is counted and how.
"""

from models.releases.counts import SENSITIVITY, ReleaseTable
from models.releases.privacy import Budget, BudgetError, margin_95, zero_noise_probability
from models.releases.quarters import Quarter, QuarterError, last_closed
from models.releases.service import (
    LedgerLine,
    ReleaseError,
    ReleaseView,
    current_drafts,
    ledger,
    parse_quarter,
    prepare_draft,
    publish,
    publish_quarter,
    published_release,
    published_releases,
    spent_in_year,
    withdraw,
)

__all__ = [
    "SENSITIVITY",
    "Budget",
    "BudgetError",
    "LedgerLine",
    "Quarter",
    "QuarterError",
    "ReleaseError",
    "ReleaseTable",
    "ReleaseView",
    "current_drafts",
    "last_closed",
    "ledger",
    "margin_95",
    "parse_quarter",
    "prepare_draft",
    "publish",
    "publish_quarter",
    "published_release",
    "published_releases",
    "spent_in_year",
    "withdraw",
    "zero_noise_probability",
]
