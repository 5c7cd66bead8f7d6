"""The mechanism behind releases, without a database: the noise follows the stated discrete
Laplace, the 95% margin is what the note says, post-processing keeps its promises, and
differencing an organisation's exact counts against a release recovers other
organisations' small counts only when the noise happens to be zero."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from models.releases.counts import SENSITIVITY, ReleaseTable, TrueTable
from models.releases.privacy import (
    Budget,
    BudgetError,
    margin_95,
    noisy_release,
    opendp_sampler,
    plan,
    post_process,
    privacy_spent,
    shown,
    tail_probability,
    zero_noise_probability,
)

SCALE = plan(1.0)[ReleaseTable.INTAKES].scale


def _pmf(value: int, scale: float) -> float:
    q = math.exp(-1 / scale)
    return (1 - q) / (1 + q) * q ** abs(value)


def _chi_square_p(draws: list[int], scale: float) -> float:
    """Goodness of fit of ``draws`` to the discrete Laplace of ``scale``; the tails beyond
    ±30 pooled into one bin each."""
    edge = 30
    observed = [0] * (2 * edge + 3)
    for value in draws:
        observed[max(-edge - 1, min(edge + 1, value)) + edge + 1] += 1
    inner = [_pmf(v, scale) for v in range(-edge, edge + 1)]
    tail = (1 - sum(inner)) / 2
    expected = [x * len(draws) for x in [tail, *inner, tail]]
    return float(stats.chisquare(observed, expected).pvalue)


def test_the_noise_follows_the_stated_discrete_laplace() -> None:
    # OpenDP draws from a cryptographic generator that cannot be seeded; with 20,000 draws
    # a correct mechanism fails this test about once in 10,000 runs.
    draws = opendp_sampler([0] * 20_000, SCALE)
    assert _chi_square_p(draws, SCALE) > 1e-4
    # The same draws clearly reject a slightly different scale: the test has power.
    assert _chi_square_p(draws, SCALE * 0.8) < 1e-6
    assert _chi_square_p(draws, SCALE * 1.25) < 1e-6
    share_of_zero = draws.count(0) / len(draws)
    assert share_of_zero == pytest.approx(zero_noise_probability(SCALE), abs=0.01)


def test_the_budget_is_split_by_sensitivity_and_opendp_agrees() -> None:
    plans = plan(1.0)
    assert sum(p.epsilon for p in plans.values()) == pytest.approx(1.0)
    assert SCALE == sum(SENSITIVITY.values()) / 1.0 == 7.0
    for table in plans.values():
        assert privacy_spent(table) == pytest.approx(table.epsilon)
    assert plan(0.5)[ReleaseTable.NEEDS_MET].scale == 14.0


def test_the_95_percent_margin_is_exact() -> None:
    margin = margin_95(SCALE)
    inside = sum(_pmf(v, SCALE) for v in range(-margin, margin + 1))
    just_inside = sum(_pmf(v, SCALE) for v in range(-margin + 1, margin))
    assert inside >= 0.95 > just_inside
    assert tail_probability(SCALE, margin) == pytest.approx(1 - inside)
    assert margin == 21


def test_budget_settings_are_read_and_checked() -> None:
    assert Budget.configured({}) == Budget(epsilon=1.0, yearly_cap=4.0)
    found = Budget.configured(
        {"WAYPOINT_RELEASE_EPSILON": "0.5", "WAYPOINT_RELEASE_YEARLY_CAP": "2"}
    )
    assert found == Budget(epsilon=0.5, yearly_cap=2.0)
    for bad in ("0", "-1", "lots", "nan"):
        with pytest.raises(BudgetError):
            Budget.configured({"WAYPOINT_RELEASE_EPSILON": bad})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-50, max_value=500), min_size=1, max_size=25))
def test_post_processing_gives_non_negative_integers_and_consistent_totals(
    noisy: list[int],
) -> None:
    rows = [f"r{i}" for i in range(len(noisy))]
    table = post_process(ReleaseTable.EXITS, rows, noisy)
    assert all(isinstance(v, int) and v >= 0 for v in table.values)
    assert table.total == sum(table.values)
    assert [v for v, n in zip(table.values, noisy, strict=True) if n >= 0] == [
        n for n in noisy if n >= 0
    ]
    for value in table.values:
        assert shown(value) == ("<10" if value < 10 else value)


def _difference_attack(datasets: int, sampler) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """Over ``datasets`` seeded networks: an organisation knows its own exact counts and
    subtracts them from the network's published counts. Returns the number of small
    residual cells (other organisations' true count 1..9), how many the attacker got
    exactly, and how many of them have a network count of 10 or more (those a zero draw of
    noise gives away, since their published value is a number)."""
    plans = plan(1.0)
    small = recovered = 0
    large = 0
    for number in range(datasets):
        rng = random.Random(number)
        own: dict[ReleaseTable, list[int]] = {}
        others: dict[ReleaseTable, list[int]] = {}
        tables: dict[ReleaseTable, TrueTable] = {}
        for key in ReleaseTable:
            size = 6
            own[key] = [rng.randint(0, 40) for _ in range(size)]
            others[key] = [rng.randint(0, 12) for _ in range(size)]
            network = tuple(a + b for a, b in zip(own[key], others[key], strict=True))
            tables[key] = TrueTable(key=key, rows=tuple(map(str, range(size))), counts=network)
        release = noisy_release(tables, plans, sampler=sampler)
        for key in ReleaseTable:
            for i, value in enumerate(release[key].values):
                other = others[key][i]
                if not 1 <= other <= 9:
                    continue
                small += 1
                published = shown(value)
                if isinstance(published, int) and published - own[key][i] == other:
                    recovered += 1
                large += tables[key].counts[i] >= 10
    return small, recovered, large


def test_the_live_report_gave_small_counts_away_by_differencing() -> None:
    """The attack of issue 14 against exact counts (no noise): every residual cell of a
    published count is recovered."""
    small, recovered, large = _difference_attack(40, lambda counts, scale: list(counts))
    assert small > 500 and large > 0.8 * small
    assert recovered == large


def test_differencing_a_release_recovers_small_counts_only_at_the_zero_noise_rate() -> None:
    small, recovered, large = _difference_attack(300, opendp_sampler)
    rate, expected_rate = recovered / small, zero_noise_probability(SCALE) * large / small
    standard_error = math.sqrt(expected_rate * (1 - expected_rate) / small)
    assert small > 3000
    assert abs(rate - expected_rate) < 5 * standard_error
    assert rate < 0.1  # against 100% for the live report
