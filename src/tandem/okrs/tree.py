"""The alignment tree of a cycle, and the roll-ups shown on it and on the review.

Pure Python over plain rows (no Django, no database), so that the tree page runs
a fixed number of queries whatever the size of the company, and so that the
shape rules below are tested on their own:

* an objective nests under every objective it contributes to (directly, or
  through one of that objective's key results); its first placement in the
  walk carries its subtree, every further placement is a *repeat* that points
  back to it, so the page stays as large as the data and never multiplies;
* an objective without a parent among the rows is a root;
* alignment data with a loop (which the services refuse, but an import or a
  hand-edited database may still hold) never hangs the walk: the loop is
  entered at one of its objectives, which is marked ``loop``;
* a node's roll-up is the mean clamped progress of the objective and of every
  distinct objective below it (each counted once, even when it is reachable
  along two paths); an objective without key results counts as 0.

Everything runs in time linear in the rows and alignments for tree-shaped data.
Only the ancestors of an objective with several parents need a walk of their
own, to count a shared objective once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, NamedTuple, TypeVar

from tandem.domain.progress import ONE, ZERO, quantize
from tandem.domain.scoring import Kind

T = TypeVar("T")

SCORE_ONE = Decimal("1.0")
# Below this an objective was an over-reach: "0.0-0.3 red" starts at 0.3 itself,
# but a score of exactly 0.3 still moved a third of the way.
OVER_REACH_BELOW = Decimal("0.3")


def mean(values: Iterable[Decimal]) -> Decimal | None:
    """The mean of ``values`` at progress precision; ``None`` for no values."""
    # Summed in C: the tree takes the mean of thousands of objectives on every request.
    listed = values if isinstance(values, list) else list(values)
    return quantize(sum(listed, ZERO) / len(listed)) if listed else None


def clamped(progress: Decimal | None) -> Decimal:
    """The progress that counts in a roll-up: clamped, and 0 without key results.
    (``clamp`` written out: the tree clamps every objective of a cycle several times.)"""
    if progress is None or progress <= ZERO:
        return ZERO
    return ONE if progress >= ONE else progress


# -- the alignment tree ---------------------------------------------------------------


class Row(NamedTuple, Generic[T]):
    """One objective: its id, the ids of the objectives it contributes to, its progress.
    (A tuple: the tree of a large company's cycle builds thousands.)

    ``item`` is carried through untouched (the page puts what it shows there).
    Parent ids that are not rows themselves (an objective of another cycle) are
    ignored, as is an objective listed as its own parent.
    """

    id: int
    item: T
    parent_ids: tuple[int, ...] = ()
    progress: Decimal | None = None


class Node(Generic[T]):
    """One placement of an objective in the tree.

    A tree of thousands of objectives is walked whole to place and roll up every
    objective, but a page shows a few hundred placements: a node's children (and
    theirs) are made when first asked for, from what :func:`build_tree` worked out.
    """

    __slots__ = (
        "_children",
        "_position",
        "_shape",
        "covers",
        "depth",
        "id",
        "item",
        "loop",
        "parent_count",
        "progress",
        "repeat",
        "rollup",
    )

    def __init__(
        self,
        id: int,
        item: T,
        progress: Decimal,
        depth: int,
        parent_count: int,
        children: list[Node[T]] | None = None,
        *,
        repeat: bool = False,
        loop: bool = False,
        rollup: Decimal = ZERO,
        covers: int = 1,
    ) -> None:
        self.id = id
        self.item = item
        self.progress = progress
        self.depth = depth
        self.parent_count = parent_count
        self._children = children
        # A further placement of an objective shown (with its subtree) elsewhere.
        self.repeat = repeat
        # A root chosen only to enter a loop in the alignment data.
        self.loop = loop
        self.rollup = rollup
        # How many distinct objectives the roll-up covers, this one included.
        self.covers = covers
        self._shape: _Shape[T] | None = None
        self._position = -1

    @property
    def children(self) -> list[Node[T]]:
        children = self._children
        if children is None:
            shape = self._shape
            children = self._children = [] if shape is None else shape.children_of(self)
        return children

    @property
    def has_children(self) -> bool:
        return self.child_count > 0

    @property
    def child_count(self) -> int:
        """How many placements are under this one (without making them)."""
        if self._children is not None:
            return len(self._children)
        if self.repeat or self._shape is None:
            return 0
        return len(self._shape.kids[self._position])

    def __repr__(self) -> str:
        return f"Node(id={self.id}, depth={self.depth}, repeat={self.repeat})"


class _Nodes(Mapping[int, "Node[T]"]):
    """The first (full) placement of each objective, by id, in walk order: made when
    looked up."""

    __slots__ = ("_index", "_order", "_shape")

    def __init__(self, shape: _Shape[T], index: dict[int, int], order: list[int]) -> None:
        self._shape = shape
        self._index = index
        self._order = order

    def __getitem__(self, key: int) -> Node[T]:
        return self._shape.first(self._index[key])

    def __iter__(self) -> Iterator[int]:
        rows = self._shape.rows
        return (rows[position].id for position in self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, key: object) -> bool:
        return key in self._index


@dataclass(slots=True)
class Forest(Generic[T]):
    roots: list[Node[T]]
    # The first (full) placement of each objective, by id.
    nodes: Mapping[int, Node[T]]
    # How many objectives contribute to another one of the rows.
    aligned: int = 0

    def walk(self) -> Iterable[Node[T]]:
        """Every placement, depth first, in the order the page shows them."""
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


class _Shape(Generic[T]):
    """What :func:`build_tree` worked out, by row position: where each objective is
    first placed, what is placed under it, and the sums its roll-up is made of."""

    __slots__ = (
        "children",
        "depth",
        "kids",
        "parent_counts",
        "placed",
        "progress",
        "rows",
        "shared",
        "size",
        "total",
    )

    def __init__(
        self,
        rows: Sequence[Row[T]],
        progress: list[Decimal],
        children: list[list[int]],
        parent_counts: list[int],
    ) -> None:
        count = len(rows)
        self.rows = rows
        self.progress = progress
        self.children = children
        self.parent_counts = parent_counts
        self.depth = [0] * count
        # Under each first placement, in order: a child's position, or ~position
        # (negative) for a repeat.
        self.kids: list[list[int]] = [[] for _ in range(count)]
        self.total = [ZERO] * count
        self.size = [0] * count
        self.shared = [False] * count
        self.placed: list[Node[T] | None] = [None] * count

    def _rollup(self, position: int) -> tuple[Decimal, int]:
        if self.shared[position]:
            # Something below is reachable along two paths: an exact walk, counting
            # it once.
            total, size = _reachable_sum(position, self.children, self.progress)
        else:
            total, size = self.total[position], self.size[position]
        return (quantize(total / size) if size > 1 else quantize(total)), size

    def first(self, position: int) -> Node[T]:
        """The first placement of the objective at ``position``."""
        node = self.placed[position]
        if node is None:
            row = self.rows[position]
            rollup, covers = self._rollup(position)
            node = Node(
                row.id,
                row.item,
                self.progress[position],
                self.depth[position],
                self.parent_counts[position],
                rollup=rollup,
                covers=covers,
            )
            node._shape, node._position = self, position
            self.placed[position] = node
        return node

    def children_of(self, node: Node[T]) -> list[Node[T]]:
        if node.repeat:
            return []
        found: list[Node[T]] = []
        depth = node.depth + 1
        for child in self.kids[node._position]:
            if child >= 0:
                found.append(self.first(child))
                continue
            child = ~child
            first = self.first(child)
            row = self.rows[child]
            found.append(
                Node(
                    row.id,
                    row.item,
                    self.progress[child],
                    depth,
                    self.parent_counts[child],
                    [],
                    repeat=True,
                    rollup=first.rollup,
                    covers=first.covers,
                )
            )
        return found


def build_tree(rows: Sequence[Row[T]]) -> Forest[T]:
    """Nest ``rows`` along their alignments and compute every node's roll-up.

    Roots and children keep the order of ``rows``. Raises ``ValueError`` when two
    rows share an id.
    """
    index: dict[int, int] = {}
    for position, row in enumerate(rows):
        if row.id in index:
            raise ValueError(f"objective {row.id} appears twice")
        index[row.id] = position
    count = len(rows)
    parents: list[list[int]] = [[] for _ in range(count)]
    children: list[list[int]] = [[] for _ in range(count)]
    for position, row in enumerate(rows):
        if not row.parent_ids:
            continue
        mine = parents[position]
        for parent_id in row.parent_ids:
            parent = index.get(parent_id)
            if parent is None or parent == position or parent in mine:
                continue
            mine.append(parent)
            children[parent].append(position)
    progress = [clamped(row.progress) for row in rows]
    parent_counts = [len(mine) for mine in parents]
    shape = _Shape(rows, progress, children, parent_counts)
    depth, kids, shared = shape.depth, shape.kids, shape.shared

    placed = [False] * count
    order: list[int] = []  # first placements, in walk order
    roots: list[tuple[int, bool]] = []

    def place_from(start: int, *, loop: bool) -> None:
        placed[start] = True
        order.append(start)
        roots.append((start, loop))
        # An explicit stack: a chain of thousands of objectives must not hit
        # Python's recursion limit.
        stack = [(start, iter(children[start]))]
        while stack:
            at, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                continue
            if placed[child]:
                kids[at].append(~child)
                shared[at] = True
                continue
            placed[child] = True
            order.append(child)
            depth[child] = depth[at] + 1
            kids[at].append(child)
            stack.append((child, iter(children[child])))

    for position in range(count):
        if not parents[position]:
            place_from(position, loop=False)
    for position in range(count):
        if placed[position]:
            continue
        # Everything above an unplaced objective is unplaced too (placements are
        # closed under children), and each has a parent: climbing the first
        # parents must come back to an objective already seen, which is on a loop.
        climbed: set[int] = set()
        current = position
        while current not in climbed:
            climbed.add(current)
            current = parents[current][0]
        place_from(current, loop=True)

    # Subtree sums, children first. A node is "shared" when something under it is
    # reachable along two paths (a repeat placement, or a loop): its sums would
    # count that objective twice, so its roll-up gets an exact walk instead.
    total, size = shape.total, shape.size
    for position in reversed(order):
        subtotal = progress[position]
        subsize = 1
        below_shared = shared[position]
        for child in kids[position]:
            if child >= 0:
                subtotal += total[child]
                subsize += size[child]
                below_shared = below_shared or shared[child]
        total[position], size[position], shared[position] = subtotal, subsize, below_shared

    placed_roots: list[Node[T]] = []
    for position, loop in roots:
        root = shape.first(position)
        root.loop = loop
        placed_roots.append(root)
    return Forest(
        roots=placed_roots,
        nodes=_Nodes(shape, index, order),
        aligned=sum(1 for parent_count in parent_counts if parent_count),
    )


def _reachable_sum(
    start: int, children: list[list[int]], progress: list[Decimal]
) -> tuple[Decimal, int]:
    seen = {start}
    add = seen.add
    stack = [start]
    while stack:
        for child in children[stack.pop()]:
            if child not in seen:
                add(child)
                stack.append(child)
    # Exact in any order: progress has four decimal places.
    return sum(map(progress.__getitem__, seen), ZERO), len(seen)


@dataclass(frozen=True, slots=True)
class Line(Generic[T]):
    """One placement as the page writes it: a flat list renders a deep tree in one
    loop (a template include per node would cost more than the whole tree)."""

    node: Node[T]
    # How many open levels to close after this line.
    closes: int
    # The depth below the first line's level (0 for the roots handed to flatten).
    level: int = 0
    # The node has children that are not in the list (below ``max_depth``): the
    # page loads them when the branch is opened.
    folded: bool = False

    @property
    def close_range(self) -> range:
        return range(self.closes)

    @property
    def opens(self) -> bool:
        return self.node.has_children and not self.folded


def flatten(roots: Sequence[Node[T]], *, max_depth: int | None = None) -> list[Line[T]]:
    """``roots`` and everything under them, depth first, with the levels to close.

    A node whose children are listed opens a level; after each line, ``closes``
    levels end: those between this line's depth and the next line's (all of them
    after the last line). Depths are relative to ``roots``. With ``max_depth``,
    nodes deeper than that are left out and their parent's line is ``folded``:
    a page of ten thousand objectives shows the top of the tree and loads a
    branch when someone opens it.
    """
    if not roots:
        return []
    base = min(node.depth for node in roots)
    placements: list[tuple[Node[T], bool]] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        folded = max_depth is not None and node.depth - base >= max_depth and node.has_children
        placements.append((node, folded))
        if not folded:
            stack.extend(reversed(node.children))
    lines: list[Line[T]] = []
    following_depths = [node.depth - base for node, _ in placements[1:]] + [0]
    for (node, folded), following in zip(placements, following_depths, strict=True):
        opened = node.depth - base + (1 if node.has_children and not folded else 0)
        lines.append(
            Line(
                node=node,
                closes=max(0, opened - following),
                level=node.depth - base,
                folded=folded,
            )
        )
    return lines


# -- the org chart --------------------------------------------------------------------


class TeamRow(NamedTuple):
    id: int
    parent_id: int | None
    name: str


def org_chart_order(teams: Sequence[TeamRow]) -> list[tuple[int, int]]:
    """Team ids with their depth, company first, then each department and its teams,
    siblings by name. A team whose parent is unknown is a top-level team; teams
    caught in a loop of parents come last, at depth 0, rather than not at all."""
    known = {team.id for team in teams}
    children: dict[int | None, list[TeamRow]] = {}
    for team in teams:
        parent = team.parent_id if team.parent_id in known and team.parent_id != team.id else None
        children.setdefault(parent, []).append(team)
    for siblings in children.values():
        siblings.sort(key=lambda team: (team.name.casefold(), team.id))
    result: list[tuple[int, int]] = []
    done: set[int] = set()

    def walk(start: TeamRow | None) -> None:
        stack: list[tuple[TeamRow, int]] = []
        if start is None:
            stack = [(team, 0) for team in reversed(children.get(None, []))]
        else:
            stack = [(start, 0)]
        while stack:
            team, depth = stack.pop()
            if team.id in done:
                continue
            done.add(team.id)
            result.append((team.id, depth))
            stack.extend((child, depth + 1) for child in reversed(children.get(team.id, [])))

    walk(None)
    for team in sorted(teams, key=lambda team: (team.name.casefold(), team.id)):
        if team.id not in done:
            walk(team)
    return result


# -- scores at the close --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    """How a group of objectives scored: the review's per-team figures."""

    count: int
    mean: Decimal | None
    # Every one scored 1.0: the bar may have been too low.
    perfect: int
    # Below 0.3: an over-reach, or something went wrong.
    low: int

    @classmethod
    def of(cls, scores: Iterable[Decimal]) -> ScoreSummary:
        values = list(scores)
        return cls(
            count=len(values),
            mean=mean(values),
            perfect=sum(1 for value in values if value >= SCORE_ONE),
            low=sum(1 for value in values if value < OVER_REACH_BELOW),
        )


@dataclass(frozen=True, slots=True)
class KindSummaries:
    """Committed and aspirational objectives kept apart: 1.0 is the goal for one,
    a warning sign for the other."""

    committed: ScoreSummary
    aspirational: ScoreSummary
    overall: ScoreSummary

    @property
    def by_kind(self) -> tuple[tuple[str, ScoreSummary], ...]:
        return (("Committed", self.committed), ("Aspirational", self.aspirational))


def summarize_scores(items: Iterable[tuple[Decimal, Kind]]) -> KindSummaries:
    pairs = list(items)
    return KindSummaries(
        committed=ScoreSummary.of(value for value, kind in pairs if kind is Kind.COMMITTED),
        aspirational=ScoreSummary.of(value for value, kind in pairs if kind is Kind.ASPIRATIONAL),
        overall=ScoreSummary.of(value for value, _ in pairs),
    )
