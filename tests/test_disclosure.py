"""Disclosure control, checked for arbitrary tables with hypothesis and an independent audit.

The audit here does not reuse the module's graph reasoning: it writes the table and its
totals as linear equations, fixes what is published, bounds what is hidden by what its marker
says ("<k": 0..k-1, withheld: k or more, unpublished total: 0 or more), and asks a linear
program for the smallest and largest value of each hidden count. A count is protected when
the two differ. Without scipy, a rank test still shows that no hidden count is a linear
function of what is published.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from models.disclosure import (
    K_DEFAULT,
    CountTable,
    DisclosureError,
    Hidden,
    SafeTable,
    suppress,
)

try:
    from scipy.optimize import linprog
except ImportError:  # scipy is optional: the rank test below always runs
    linprog = None


@st.composite
def count_tables(
    draw: st.DrawFn,
    *,
    grand_total_known: bool | None = False,
    a_count_below_every_k: bool = False,
    some_totals: bool = False,
) -> CountTable:
    """Any small table; ``a_count_below_every_k`` puts a count under the smallest k (5) in
    one cell, so there is always something to hide; ``some_totals`` publishes row totals,
    column totals or both."""
    n_rows = draw(st.integers(1, 5))
    n_cols = draw(st.integers(1, 5))
    value = st.one_of(st.integers(0, 12), st.integers(0, 60), st.integers(0, 400))
    counts = [[draw(value) for _ in range(n_cols)] for _ in range(n_rows)]
    if a_count_below_every_k:
        counts[draw(st.integers(0, n_rows - 1))][draw(st.integers(0, n_cols - 1))] = draw(
            st.integers(0, 4)
        )
    if some_totals:
        row_totals, column_totals = draw(
            st.sampled_from([(True, False), (False, True), (True, True)])
        )
    else:
        row_totals, column_totals = draw(st.booleans()), draw(st.booleans())
    return CountTable(
        rows=tuple(f"r{i}" for i in range(n_rows)),
        columns=tuple(f"c{j}" for j in range(n_cols)),
        counts=tuple(tuple(line) for line in counts),
        row_totals=row_totals,
        column_totals=column_totals,
        grand_total_known=draw(st.booleans()) if grand_total_known is None else grand_total_known,
    )


ks = st.integers(5, 15)


class Problem:
    """The table as equations over cells, row totals, column totals and the grand total."""

    def __init__(self, raw: CountTable, safe: SafeTable) -> None:
        n_rows, n_cols = len(raw.rows), len(raw.columns)
        self.names: list[tuple[str, int, int]] = []
        self.truth: list[int] = []
        self.shown: list[object] = []  # an int, a Hidden marker, or None (not published)
        for i in range(n_rows):
            for j in range(n_cols):
                self._add(("cell", i, j), raw.counts[i][j], safe.cells[i][j])
        row_sums = [sum(line) for line in raw.counts]
        column_sums = [sum(line[j] for line in raw.counts) for j in range(n_cols)]
        for i in range(n_rows):
            self._add(("row", i, 0), row_sums[i], safe.row_totals[i] if safe.row_totals else None)
        for j in range(n_cols):
            shown = safe.column_totals[j] if safe.column_totals else None
            self._add(("column", 0, j), column_sums[j], shown)
        grand = safe.grand_total
        if grand is None and raw.grand_total_known:
            grand = sum(row_sums)
        self._add(("grand", 0, 0), sum(row_sums), grand)
        index = {name: n for n, name in enumerate(self.names)}
        equations = []
        for i in range(n_rows):
            line = np.zeros(len(self.names))
            for j in range(n_cols):
                line[index["cell", i, j]] = 1
            line[index["row", i, 0]] = -1
            equations.append(line)
        for j in range(n_cols):
            line = np.zeros(len(self.names))
            for i in range(n_rows):
                line[index["cell", i, j]] = 1
            line[index["column", 0, j]] = -1
            equations.append(line)
        for kind, size in (("row", n_rows), ("column", n_cols)):
            line = np.zeros(len(self.names))
            for n in range(size):
                line[index[(kind, n, 0) if kind == "row" else (kind, 0, n)]] = 1
            line[index["grand", 0, 0]] = -1
            equations.append(line)
        self.equations = np.array(equations)
        self.k = safe.k

    def _add(self, name: tuple[str, int, int], truth: int, shown: object) -> None:
        self.names.append(name)
        self.truth.append(truth)
        self.shown.append(shown)

    def sensitive(self) -> list[int]:
        """Hidden counts, and unpublished totals below k: none may be recoverable."""
        return [
            n
            for n, shown in enumerate(self.shown)
            if isinstance(shown, Hidden) or (shown is None and self.truth[n] < self.k)
        ]

    def bounds(self) -> list[tuple[float, float | None]]:
        found: list[tuple[float, float | None]] = []
        for shown in self.shown:
            if shown is Hidden.BELOW_K:
                found.append((0, self.k - 1))
            elif shown is Hidden.WITHHELD:
                found.append((self.k, None))
            elif shown is None:
                found.append((0, None))
            else:
                found.append((shown, shown))  # type: ignore[arg-type]
        return found

    def range_of(self, n: int) -> tuple[float, float]:
        assert linprog is not None
        objective = np.zeros(len(self.names))
        objective[n] = 1
        zeros = np.zeros(len(self.equations))
        ends = []
        for sign in (1, -1):
            result = linprog(
                sign * objective,
                A_eq=self.equations,
                b_eq=zeros,
                bounds=self.bounds(),
                method="highs",
            )
            assert result.status in (0, 3), result.message
            ends.append(sign * result.fun if result.status == 0 else float("inf"))
        return ends[0], ends[1]

    def linearly_determined(self, n: int) -> bool:
        """Whether the count is a linear function of the published values (bounds aside)."""
        unknown = [m for m, shown in enumerate(self.shown) if not isinstance(shown, int)]
        system = self.equations[:, unknown]
        target = np.zeros(len(unknown))
        target[unknown.index(n)] = 1
        rank = np.linalg.matrix_rank(system)
        return bool(np.linalg.matrix_rank(np.vstack([system, target])) == rank)


def _published_safely(raw: CountTable, k: int) -> SafeTable | None:
    try:
        return suppress(raw, k=k)
    except DisclosureError:
        return None


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables(grand_total_known=None), ks)
def test_every_published_count_is_at_least_k_and_every_small_count_shows_as_below_k(raw, k):
    safe = _published_safely(raw, k)
    assume(safe is not None)  # a refused table has nothing published to check
    problem = Problem(raw, safe)
    for truth, shown in zip(problem.truth, problem.shown, strict=True):
        if isinstance(shown, int):
            assert shown == truth and shown >= k
        elif shown is Hidden.BELOW_K:
            assert truth < k
        elif shown is Hidden.WITHHELD:
            assert truth >= k
    assert all(isinstance(v, Hidden) or v >= k for v in safe.published())


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables(grand_total_known=None, a_count_below_every_k=True, some_totals=True), ks)
def test_no_row_or_column_with_a_published_total_has_exactly_one_hidden_cell(raw, k):
    safe = _published_safely(raw, k)
    assume(safe is not None)  # a refused table has nothing published to check
    assume(any(isinstance(v, Hidden) for line in safe.cells for v in line))
    if safe.row_totals is not None:
        for i, line in enumerate(safe.cells):
            if not isinstance(safe.row_totals[i], Hidden):
                assert sum(isinstance(v, Hidden) for v in line) != 1
    if safe.column_totals is not None:
        for j in range(len(safe.columns)):
            if not isinstance(safe.column_totals[j], Hidden):
                assert sum(isinstance(v, Hidden) for v in safe.column(safe.columns[j])) != 1


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables(grand_total_known=None, a_count_below_every_k=True), ks)
def test_no_hidden_count_is_a_linear_function_of_the_published_numbers(raw, k):
    safe = _published_safely(raw, k)
    assume(safe is not None)  # a refused table has nothing published to check
    problem = Problem(raw, safe)
    assume(problem.sensitive())  # nothing hidden: nothing that could be recovered
    for n in problem.sensitive():
        assert not problem.linearly_determined(n), problem.names[n]


@pytest.mark.skipif(linprog is None, reason="scipy is not installed")
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables(grand_total_known=None, a_count_below_every_k=True), ks)
def test_every_hidden_count_can_take_more_than_one_value_given_what_is_published(raw, k):
    safe = _published_safely(raw, k)
    assume(safe is not None)  # a refused table has nothing published to check
    problem = Problem(raw, safe)
    assume(problem.sensitive())  # nothing hidden: nothing that could be recovered
    for n in problem.sensitive():
        low, high = problem.range_of(n)
        assert low <= problem.truth[n] <= high
        assert high - low >= 1 - 1e-6, (problem.names[n], low, high)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables(grand_total_known=False), ks)
def test_a_table_whose_grand_total_is_not_published_elsewhere_can_always_be_published(raw, k):
    assert isinstance(suppress(raw, k=k), SafeTable)


def test_a_table_of_large_counts_is_published_whole():
    raw = CountTable(rows=("a", "b"), columns=("x", "y"), counts=((10, 20), (30, 40)))
    safe = suppress(raw)
    assert safe.cells == ((10, 20), (30, 40))
    assert safe.row_totals == (30, 70) and safe.column_totals == (40, 60)
    assert safe.grand_total == 100


def test_a_single_small_cell_is_joined_by_three_withheld_cells_in_a_rectangle():
    raw = CountTable(rows=("a", "b"), columns=("x", "y"), counts=((3, 20), (30, 40)))
    safe = suppress(raw)
    assert safe.cells == ((Hidden.BELOW_K, Hidden.WITHHELD), (Hidden.WITHHELD, Hidden.WITHHELD))
    assert safe.row_totals == (23, 70) and safe.column_totals == (33, 60)


def test_a_small_count_in_a_column_of_counts_hides_the_next_smallest_too():
    raw = CountTable.one_way({"a": 4, "b": 50, "c": 30}, rows=("a", "b", "c"), column="n")
    safe = suppress(raw)
    assert safe.column("n") == (Hidden.BELOW_K, 50, Hidden.WITHHELD)
    assert safe.grand_total == 84


def test_zero_is_a_count_below_k():
    raw = CountTable.one_way({"a": 0, "b": 0, "c": 30}, rows=("a", "b", "c"), column="n")
    safe = suppress(raw)
    assert safe.column("n")[:2] == (Hidden.BELOW_K, Hidden.BELOW_K)
    # two zeros alone would be pinned by the total: the 30 is withheld too
    assert safe.column("n")[2] is Hidden.WITHHELD


def test_k_defaults_to_ten_and_is_configurable():
    raw = CountTable.one_way({"a": 7, "b": 9, "c": 50}, rows=("a", "b", "c"), column="n")
    assert K_DEFAULT == 10
    assert suppress(raw).column("n")[:2] == (Hidden.BELOW_K, Hidden.BELOW_K)
    assert suppress(raw, k=5).column("n") == (7, 9, 50)


@pytest.mark.parametrize("k", [4, 0, -1, 1])
def test_a_threshold_below_five_is_refused(k):
    raw = CountTable.one_way({"a": 7}, rows=("a",), column="n")
    with pytest.raises(DisclosureError):
        suppress(raw, k=k)


def test_a_safe_table_cannot_be_built_with_a_shown_count_below_k():
    with pytest.raises(DisclosureError):
        SafeTable(
            k=10,
            rows=("a",),
            columns=("x",),
            cells=((3,),),
            row_totals=None,
            column_totals=None,
            grand_total=None,
        )


def test_a_grand_total_published_elsewhere_is_never_hidden():
    raw = CountTable.one_way(
        {"a": 3, "b": 4, "c": 50}, rows=("a", "b", "c"), column="n", grand_total_known=True
    )
    safe = suppress(raw)
    assert safe.grand_total == 57
    assert safe.column("n") == (Hidden.BELOW_K, Hidden.BELOW_K, 50)


def test_a_table_that_would_reveal_its_counts_whatever_is_hidden_is_refused():
    # The total of 10 is published elsewhere; 10 withheld and 0 below k could only be 10 and 0.
    raw = CountTable.one_way({"a": 10, "b": 0}, rows=("a", "b"), column="n", grand_total_known=True)
    with pytest.raises(DisclosureError):
        suppress(raw)
