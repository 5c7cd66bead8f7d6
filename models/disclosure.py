"""Statistical disclosure control: the only way a count reaches a funder.

A ``CountTable`` holds raw counts straight from a GROUP BY; it has no way to be displayed.
``suppress`` turns it into a ``SafeTable``, whose constructor refuses any shown count below k,
so that no code path can publish a small count by accident.

The rules:
- Primary suppression: every count below ``k`` (cells *and* totals, zero included) is shown
  as "<k". ``k`` defaults to 10 and is never below 5.
- Complementary suppression: further cells are withheld so that no hidden count can be
  worked out from the published totals. No row or column holds exactly one hidden cell, and
  every hidden cell is checked exactly (below): it must be able to take more than one value.
- A total that is published in another table (``grand_total_known``) is never hidden here:
  linked tables share only such published totals, so each can be protected on its own.

The exact check. Write the table with its totals as an (R+1) x (C+1) grid whose totals enter
with a minus sign; then every row and column of the grid sums to zero. The hidden cells are
the edges of a bipartite graph between grid rows and grid columns, and the values an attacker
cannot tell apart from the truth are the circulations on that graph within each cell's known
bounds ("<k": 0..k-1; withheld: k or more; a total that is not published: 0 or more). A
hidden cell can take another value exactly when it lies on a directed cycle of the residual
graph (an arc row->column where the cell can grow, column->row where it can shrink). The
constraint matrix is a network matrix, so real and integer ranges have the same end points.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

K_DEFAULT = 10
K_MINIMUM = 5
UNBOUNDED = float("inf")


K_contra = TypeVar("K_contra", contravariant=True)


class Counts(Protocol[K_contra]):
    """Counts looked up by key, missing keys counting ``default``: a dict or a Counter whose
    keys may be wider (``None`` for a missing value) than the keys looked up."""

    def get(self, key: K_contra, default: int, /) -> int: ...


class DisclosureError(ValueError):
    """The rules cannot be met: a threshold below the minimum, or a table that cannot be
    published without revealing a small count. Nothing of such a table is shown."""


class Hidden(StrEnum):
    """Why a cell is not shown."""

    BELOW_K = "below_k"  # primary: the count is below k, shown as "<k"
    WITHHELD = "withheld"  # complementary: k or more, hidden to protect a small count


Published = int | Hidden


def check_k(k: int) -> int:
    """``k`` itself, or ``DisclosureError`` when it is below the minimum of 5."""
    if isinstance(k, bool) or not isinstance(k, int) or k < K_MINIMUM:
        raise DisclosureError(f"the threshold k must be an integer of at least {K_MINIMUM}")
    return k


@dataclass(frozen=True)
class CountTable:
    """Raw counts of a cross-tabulation; never shown, only passed to ``suppress``.

    ``row_totals``/``column_totals``: whether the table publishes them; the grand total is
    published when both are, or when the table has a single column or row with that total.
    ``grand_total_known``: the grand total is published elsewhere, so it must be shown here
    too and can never be hidden (it must then be at least k).
    """

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    row_totals: bool = True
    column_totals: bool = True
    grand_total_known: bool = False

    def __post_init__(self) -> None:
        if not self.rows or not self.columns:
            raise DisclosureError("a table needs at least one row and one column")
        if len(self.counts) != len(self.rows) or any(
            len(line) != len(self.columns) for line in self.counts
        ):
            raise DisclosureError("the counts do not match the rows and columns")
        if any(not isinstance(v, int) or v < 0 for line in self.counts for v in line):
            raise DisclosureError("counts are whole numbers of zero or more")

    @classmethod
    def from_counts(
        cls,
        counts: Counts[tuple[str, str]],
        *,
        rows: Sequence[str],
        columns: Sequence[str],
        **flags: bool,
    ) -> CountTable:
        """A table from ``{(row, column): count}``; missing pairs count zero."""
        return cls(
            rows=tuple(rows),
            columns=tuple(columns),
            counts=tuple(tuple(int(counts.get((r, c), 0)) for c in columns) for r in rows),
            **flags,
        )

    @classmethod
    def one_way(
        cls,
        counts: Counts[str],
        *,
        rows: Sequence[str],
        column: str,
        grand_total_known: bool = False,
    ) -> CountTable:
        """A single column of counts with its total (the grand total)."""
        return cls(
            rows=tuple(rows),
            columns=(column,),
            counts=tuple((int(counts.get(r, 0)),) for r in rows),
            row_totals=False,
            column_totals=True,
            grand_total_known=grand_total_known,
        )


@dataclass(frozen=True)
class SafeTable:
    """A table fit to publish: every shown count is at least ``k``, every hidden one is
    protected. Build it with ``suppress``; the constructor refuses any shown count below k."""

    k: int
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Published, ...], ...]
    row_totals: tuple[Published, ...] | None
    column_totals: tuple[Published, ...] | None
    grand_total: Published | None

    def __post_init__(self) -> None:
        check_k(self.k)
        for value in self.published():
            if not isinstance(value, Hidden) and (not isinstance(value, int) or value < self.k):
                raise DisclosureError("a count below k cannot be published")

    def published(self) -> Iterator[Published]:
        """Every cell and total, in no particular order."""
        yield from itertools.chain.from_iterable(self.cells)
        yield from self.row_totals or ()
        yield from self.column_totals or ()
        if self.grand_total is not None:
            yield self.grand_total

    def column(self, column: str) -> tuple[Published, ...]:
        """The cells of one column, in row order."""
        index = self.columns.index(column)
        return tuple(line[index] for line in self.cells)

    @property
    def hidden_count(self) -> int:
        return sum(isinstance(v, Hidden) for v in self.published())


# The grid: the table with its totals, (R+1) x (C+1); index R is the total row, C the total
# column. ``None`` in ``state`` marks a shown cell.
_ABSENT = "absent"
Position = tuple[int, int]


@dataclass
class _Grid:
    values: list[list[int]]
    present: list[list[bool]]
    state: list[list[str | None]]
    pinned: set[Position]
    k: int

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.values), len(self.values[0])

    def positions(self) -> Iterator[Position]:
        n_rows, n_cols = self.shape
        return itertools.product(range(n_rows), range(n_cols))

    def hidden(self, at: Position) -> bool:
        return self.state[at[0]][at[1]] is not None

    def hide(self, at: Position) -> None:
        i, j = at
        if self.state[i][j] is None:
            self.state[i][j] = Hidden.BELOW_K if self.values[i][j] < self.k else Hidden.WITHHELD

    def lines(self) -> Iterator[list[Position]]:
        n_rows, n_cols = self.shape
        for i in range(n_rows):
            yield [(i, j) for j in range(n_cols)]
        for j in range(n_cols):
            yield [(i, j) for i in range(n_rows)]

    def needs_protection(self, at: Position) -> bool:
        """Hidden cells must not be recoverable; a total that is not published only when it
        is small (a large one is as harmless as a published total)."""
        i, j = at
        state = self.state[i][j]
        return state is not None and (state != _ABSENT or self.values[i][j] < self.k)

    def bounds(self, at: Position) -> tuple[float, float]:
        """What a reader knows of a hidden count from how it is shown."""
        state = self.state[at[0]][at[1]]
        if state == Hidden.BELOW_K:
            return 0, self.k - 1
        if state == Hidden.WITHHELD:
            return self.k, UNBOUNDED
        return 0, UNBOUNDED


def _grid(table: CountTable, k: int) -> _Grid:
    n_rows, n_cols = len(table.rows), len(table.columns)
    values = [list(line) + [sum(line)] for line in table.counts]
    column_sums = [sum(line[j] for line in table.counts) for j in range(n_cols)]
    values.append(column_sums + [sum(column_sums)])
    present = [[True] * (n_cols + 1) for _ in range(n_rows + 1)]
    for i in range(n_rows):
        present[i][n_cols] = table.row_totals
    for j in range(n_cols):
        present[n_rows][j] = table.column_totals
    # The grand total is published when both margins are, or as the one row's/column's total.
    grand_shown = (
        (table.row_totals and table.column_totals)
        or (table.column_totals and n_cols == 1)
        or (table.row_totals and n_rows == 1)
    )
    present[n_rows][n_cols] = grand_shown or table.grand_total_known
    pinned: set[Position] = set()
    if table.grand_total_known:
        pinned.add((n_rows, n_cols))
        if n_cols == 1 and table.column_totals:
            pinned.add((n_rows, 0))
        if n_rows == 1 and table.row_totals:
            pinned.add((0, n_cols))
    state: list[list[str | None]] = [
        [None if present[i][j] else _ABSENT for j in range(n_cols + 1)] for i in range(n_rows + 1)
    ]
    return _Grid(values=values, present=present, state=state, pinned=pinned, k=k)


def _arcs(grid: _Grid) -> dict[Position, list[tuple[int, int]]]:
    """The residual arcs of each hidden cell: (from node, to node); rows are nodes 0..R,
    columns R+1..R+C+1. Row->column grows the grid value, column->row shrinks it."""
    n_rows, n_cols = grid.shape
    arcs: dict[Position, list[tuple[int, int]]] = {}
    for at in grid.positions():
        if not grid.hidden(at):
            continue
        i, j = at
        value = grid.values[i][j]
        low, high = grid.bounds(at)
        can_grow, can_shrink = value < high, value > low
        if (i == n_rows - 1) != (j == n_cols - 1):  # a margin total enters negated
            can_grow, can_shrink = can_shrink, can_grow
        row_node, column_node = i, n_rows + j
        arcs[at] = ([(row_node, column_node)] if can_grow else []) + (
            [(column_node, row_node)] if can_shrink else []
        )
    return arcs


def _reaches(
    arcs: dict[Position, list[tuple[int, int]]], start: int, goal: int, without: Position
) -> bool:
    successors: dict[int, list[int]] = {}
    for at, cell_arcs in arcs.items():
        if at == without:
            continue
        for source, target in cell_arcs:
            successors.setdefault(source, []).append(target)
    seen, frontier = {start}, [start]
    while frontier:
        node = frontier.pop()
        if node == goal:
            return True
        for following in successors.get(node, ()):
            if following not in seen:
                seen.add(following)
                frontier.append(following)
    return False


def _protected(grid: _Grid, at: Position, arcs: dict[Position, list[tuple[int, int]]]) -> bool:
    """Whether the hidden cell ``at`` can take another value consistent with all shown."""
    return any(_reaches(arcs, target, source, at) for source, target in arcs.get(at, ()))


def exposed(grid: _Grid) -> list[Position]:
    """The hidden cells that a reader could work out from what is shown."""
    arcs = _arcs(grid)
    return [
        at
        for at in grid.positions()
        if grid.needs_protection(at) and not _protected(grid, at, arcs)
    ]


def _fill_lines(grid: _Grid) -> bool:
    """No line with exactly one hidden cell: hide the smallest shown cell beside it.
    False when a line has no cell left to hide."""
    changed = True
    while changed:
        changed = False
        for line in grid.lines():
            hidden = [at for at in line if grid.hidden(at)]
            if len(hidden) != 1 or not grid.needs_protection(hidden[0]):
                continue
            candidates = [at for at in line if not grid.hidden(at) and at not in grid.pinned]
            if not candidates:
                return False
            grid.hide(min(candidates, key=lambda at: grid.values[at[0]][at[1]]))
            changed = True
    return True


def _rectangle_fix(grid: _Grid, at: Position) -> bool:
    """Hide the cheapest rectangle of cells that puts ``at`` on a cycle; False if none."""
    n_rows, n_cols = grid.shape
    i, j = at
    options = []
    for other_i, other_j in itertools.product(range(n_rows), range(n_cols)):
        if other_i == i or other_j == j:
            continue
        corners = [(i, other_j), (other_i, j), (other_i, other_j)]
        new = [c for c in corners if not grid.hidden(c)]
        if any(c in grid.pinned for c in new):
            continue
        options.append((sum(grid.values[r][c] for r, c in new), len(new), new))
    for _cost, _size, new in sorted(options):
        saved = [row[:] for row in grid.state]
        for corner in new:
            grid.hide(corner)
        if _protected(grid, at, _arcs(grid)):
            return True
        grid.state = saved
    return False


def _protect(grid: _Grid) -> bool:
    if not _fill_lines(grid):
        return False
    while unsafe := exposed(grid):
        if not _rectangle_fix(grid, unsafe[0]) or not _fill_lines(grid):
            return False
    return True


def suppress(table: CountTable, *, k: int = K_DEFAULT) -> SafeTable:
    """``table`` fit to publish: counts below ``k`` shown as "<k", further cells withheld
    until none can be worked out from the totals. Raises ``DisclosureError`` when ``k`` is
    below 5, or when the table cannot be made safe (then nothing of it may be shown)."""
    check_k(k)
    grid = _grid(table, k)
    for at in grid.positions():
        if grid.present[at[0]][at[1]] and grid.values[at[0]][at[1]] < k:
            if at in grid.pinned:
                raise DisclosureError("a total published elsewhere is below k")
            grid.hide(at)
    if not _protect(grid):
        # Last resort: hide everything that may be hidden, then check once more.
        for at in grid.positions():
            if grid.present[at[0]][at[1]] and at not in grid.pinned:
                grid.hide(at)
        if exposed(grid):
            raise DisclosureError("this table cannot be published without revealing a count")
    return _safe(table, grid)


def _safe(table: CountTable, grid: _Grid) -> SafeTable:
    n_rows, n_cols = len(table.rows), len(table.columns)

    def shown(i: int, j: int) -> Published:
        state = grid.state[i][j]
        return grid.values[i][j] if state is None else Hidden(state)

    grand = shown(n_rows, n_cols) if grid.present[n_rows][n_cols] else None
    return SafeTable(
        k=grid.k,
        rows=table.rows,
        columns=table.columns,
        cells=tuple(tuple(shown(i, j) for j in range(n_cols)) for i in range(n_rows)),
        row_totals=tuple(shown(i, n_cols) for i in range(n_rows)) if table.row_totals else None,
        column_totals=(
            tuple(shown(n_rows, j) for j in range(n_cols)) if table.column_totals else None
        ),
        grand_total=grand,
    )
