"""Differential privacy for releases: the budget, the mechanism and the post-processing.

The mechanism is OpenDP's discrete Laplace (``make_laplace`` on integers): each published
count is the true count plus an integer drawn with probability proportional to
``exp(-|x| / scale)``. The release budget ε is split across the tables in proportion to
their sensitivity (``counts.SENSITIVITY``), so every cell gets the same scale:
``scale = (sum of sensitivities) / ε``; with ε = 1 and six tables touching at most 7 cells
of one person, the scale is 7. By basic composition the release as a whole is ε-DP for one
person (one case); the sensitivities are checked against OpenDP's own privacy map.

Post-processing (which costs no privacy): negative noisy counts become 0, each table's
total is the sum of its noisy parts, and a count below ``k`` is shown as "<k".

The yearly cap: the ε of every draft prepared for the quarters of one calendar year,
discarded and withdrawn ones included, may not exceed the cap.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import opendp.prelude as dp

from models.errors import Refusal
from models.i18n import N_
from models.releases.counts import SENSITIVITY, ReleaseTable, TrueTable

EPSILON_ENVIRONMENT = "WAYPOINT_RELEASE_EPSILON"
CAP_ENVIRONMENT = "WAYPOINT_RELEASE_YEARLY_CAP"
EPSILON_DEFAULT = 1.0
CAP_DEFAULT = 4.0
SMALL_BELOW = 10
METHOD = "OpenDP discrete Laplace, basic composition"

dp.enable_features("contrib")

Sampler = Callable[[Sequence[int], float], list[int]]


class BudgetError(Refusal):
    """A setting is not a positive number, or the yearly cap would be exceeded."""


def _positive(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError as error:
        raise BudgetError(
            N_("{name} must be a number, such as {default}."), name=name, default=default
        ) from error
    if not math.isfinite(value) or value <= 0:
        raise BudgetError(N_("{name} must be a number above zero."), name=name)
    return value


@dataclass(frozen=True)
class Budget:
    epsilon: float  # spent by each draft
    yearly_cap: float  # for the quarters of one calendar year

    @classmethod
    def configured(cls, environ: Mapping[str, str] | None = None) -> Budget:
        """``WAYPOINT_RELEASE_EPSILON`` (default 1.0) and ``WAYPOINT_RELEASE_YEARLY_CAP``
        (default 4.0, so one release per quarter at the default ε)."""
        env = os.environ if environ is None else environ
        return cls(
            epsilon=_positive(env, EPSILON_ENVIRONMENT, EPSILON_DEFAULT),
            yearly_cap=_positive(env, CAP_ENVIRONMENT, CAP_DEFAULT),
        )


@dataclass(frozen=True)
class TablePlan:
    key: ReleaseTable
    sensitivity: int
    epsilon: float
    scale: float


def plan(epsilon: float) -> dict[ReleaseTable, TablePlan]:
    """ε split across the tables in proportion to their sensitivity: one scale for all."""
    total = sum(SENSITIVITY.values())
    scale = total / epsilon
    return {
        key: TablePlan(key=key, sensitivity=s, epsilon=epsilon * s / total, scale=scale)
        for key, s in SENSITIVITY.items()
    }


def _measurement(scale: float) -> dp.Measurement:
    return dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale
    )


def opendp_sampler(counts: Sequence[int], scale: float) -> list[int]:
    """``counts`` plus discrete Laplace noise of ``scale``, drawn by OpenDP (its own
    cryptographically secure generator: no seed, no way to replay a draw)."""
    return [int(v) for v in _measurement(scale)([int(c) for c in counts])]


def privacy_spent(table: TablePlan) -> float:
    """ε of one table by OpenDP's privacy map at the table's sensitivity."""
    return float(_measurement(table.scale).map(table.sensitivity))


def zero_noise_probability(scale: float) -> float:
    """P(noise = 0) for the discrete Laplace of ``scale``: tanh(1 / (2 scale))."""
    return math.tanh(1 / (2 * scale))


def tail_probability(scale: float, margin: int) -> float:
    """P(|noise| > margin)."""
    q = math.exp(-1 / scale)
    return 2 * q ** (margin + 1) / (1 + q)


def margin_95(scale: float) -> int:
    """The smallest m with P(|noise| <= m) >= 95%: a published count is within m of the
    true count 19 times out of 20 (before negative values are raised to zero)."""
    margin = 0
    while tail_probability(scale, margin) > 0.05:
        margin += 1
    return margin


@dataclass(frozen=True)
class NoisyTable:
    """One table as published: post-processed noisy cells in row order and their total."""

    key: ReleaseTable
    rows: tuple[str, ...]
    values: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.values)


def post_process(key: ReleaseTable, rows: Sequence[str], noisy: Sequence[int]) -> NoisyTable:
    """Non-negative integers; the total is their sum, so it always agrees with its parts."""
    return NoisyTable(key=key, rows=tuple(rows), values=tuple(max(0, int(v)) for v in noisy))


def noisy_release(
    tables: Mapping[ReleaseTable, TrueTable],
    plans: Mapping[ReleaseTable, TablePlan],
    *,
    sampler: Sampler = opendp_sampler,
) -> dict[ReleaseTable, NoisyTable]:
    """Every table with its noise, drawn once here; the caller stores the result."""
    return {
        key: post_process(key, table.rows, sampler(table.counts, plans[key].scale))
        for key, table in tables.items()
    }


def shown(value: int, k: int = SMALL_BELOW) -> int | str:
    """A noisy count as a reader sees it: the number, or "<k" when below k."""
    return f"<{k}" if value < k else value
