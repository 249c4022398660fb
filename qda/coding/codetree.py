"""The code tree in memory: paths, resolving a CODE reference, descendants, order.

A project has hundreds of codes, not millions: loading the whole tree (one Core
query) is cheaper than walking parents one query at a time, and it gives every path.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Uuid, bindparam, literal, select
from sqlalchemy.orm import Session

from qda.coding.rows import Ids, fetch
from qda.common import parse_uuid
from qda.db.models import Code
from qda.errors import AmbiguousError, NotFoundError

PATH_SEP = "/"


def norm(name: str) -> str:
    """The comparison form of a name: whitespace collapsed, case folded."""
    return " ".join(name.split()).casefold()


@dataclass
class Node:
    id: uuid.UUID
    name: str
    kind: str
    parent_id: uuid.UUID | None
    position: int
    retired: bool
    is_core: bool
    children: list[uuid.UUID] = field(default_factory=list)


@dataclass
class CodeTree:
    nodes: dict[uuid.UUID, Node]
    roots: list[uuid.UUID]

    @classmethod
    def load(cls, s: Session) -> CodeTree:
        # Raw rows (no ORM, no per-row UUID processing): every action loads the tree.
        rows = fetch(
            s,
            select(
                Code.id, Code.name, Code.kind, Code.parent_id, Code.position, Code.retired,
                Code.is_core,
            ),
        )  # fmt: skip
        # Sorted once (siblings by position, then name), so children lists come out in
        # order; raw ids map to UUIDs once each, keyed by the raw string.
        rows.sort(key=lambda r: (r[4], r[1].casefold()))
        conv = Ids()
        by_raw: dict[Any, Node] = {}
        for r in rows:
            cid = conv(r[0])
            parent = conv(r[3]) if r[3] is not None else None
            by_raw[r[0]] = Node(cid, r[1], r[2], parent, r[4], bool(r[5]), bool(r[6]))
        roots: list[uuid.UUID] = []
        for r in rows:
            n = by_raw[r[0]]
            up = by_raw.get(r[3]) if r[3] is not None else None
            if up is not None:
                up.children.append(n.id)
            else:
                roots.append(n.id)
        nodes = {n.id: n for n in by_raw.values()}
        return cls(nodes, roots)

    # -- structure -------------------------------------------------------------------
    def __contains__(self, cid: object) -> bool:
        return cid in self.nodes

    def node(self, cid: uuid.UUID) -> Node:
        return self.nodes[cid]

    def ancestors(self, cid: uuid.UUID) -> list[uuid.UUID]:
        """Parent first, root last."""
        out: list[uuid.UUID] = []
        seen = {cid}
        p = self.nodes[cid].parent_id
        while p is not None and p in self.nodes and p not in seen:
            out.append(p)
            seen.add(p)
            p = self.nodes[p].parent_id
        return out

    def depth(self, cid: uuid.UUID) -> int:
        return len(self.ancestors(cid))

    def path(self, cid: uuid.UUID) -> str:
        names = [self.nodes[a].name for a in reversed(self.ancestors(cid))]
        return PATH_SEP.join([*names, self.nodes[cid].name])

    def descendants(self, cid: uuid.UUID) -> list[uuid.UUID]:
        """Every node below ``cid`` (not ``cid`` itself), depth-first."""
        out: list[uuid.UUID] = []
        stack = list(reversed(self.nodes[cid].children))
        while stack:
            c = stack.pop()
            out.append(c)
            stack.extend(reversed(self.nodes[c].children))
        return out

    def subtree(self, cid: uuid.UUID) -> list[uuid.UUID]:
        return [cid, *self.descendants(cid)]

    def order(self) -> Iterator[uuid.UUID]:
        """Tree order: depth-first, siblings by position then name."""
        stack = list(reversed(self.roots))
        while stack:
            c = stack.pop()
            yield c
            stack.extend(reversed(self.nodes[c].children))

    def siblings(self, parent_id: uuid.UUID | None) -> list[uuid.UUID]:
        if parent_id is None:
            return list(self.roots)
        return list(self.nodes[parent_id].children)

    def sibling_named(
        self, parent_id: uuid.UUID | None, name: str, *, exclude: uuid.UUID | None = None
    ) -> uuid.UUID | None:
        key = norm(name)
        for sid in self.siblings(parent_id):
            if sid != exclude and norm(self.nodes[sid].name) == key:
                return sid
        return None

    def ancestor_of_kind(self, cid: uuid.UUID, kind: str) -> uuid.UUID | None:
        """``cid`` itself or its nearest ancestor of ``kind``."""
        for a in [cid, *self.ancestors(cid)]:
            if self.nodes[a].kind == kind:
                return a
        return None

    # -- resolving a CODE argument ---------------------------------------------------
    def resolve(self, ref: str) -> Node:
        """A code by id (or a unique id prefix of 8+ hex digits), name, or path.

        Names and paths compare case-insensitively with whitespace collapsed; a path may
        be partial from the right (``category/code``).  When several match, active
        codes win over retired ones; still several: :class:`AmbiguousError` with paths.
        """
        text = (ref or "").strip()
        if not text:
            raise NotFoundError("no code given")
        uid = parse_uuid(text)
        if uid is not None and uid in self.nodes:
            return self.nodes[uid]
        key = norm(text)
        matches = [n for n in self.nodes.values() if norm(n.name) == key]
        if not matches and PATH_SEP in text:
            parts = [norm(p) for p in text.strip(PATH_SEP).split(PATH_SEP)]
            want = PATH_SEP.join(parts)
            full = {n.id: PATH_SEP.join(norm(x) for x in self._path_names(n.id)) for n in
                    self.nodes.values()}  # fmt: skip
            matches = [self.nodes[i] for i, p in full.items() if p == want]
            if not matches:
                matches = [self.nodes[i] for i, p in full.items() if p.endswith(PATH_SEP + want)]
        if not matches and len(text) >= 8 and all(c in "0123456789abcdef-" for c in key):
            prefix = key.replace("-", "")
            matches = [n for n in self.nodes.values() if n.id.hex.startswith(prefix)]
        if not matches:
            raise NotFoundError(f"no code {text!r} (see `qda code list`)")
        if len(matches) > 1:
            active = [n for n in matches if not n.retired]
            if len(active) == 1:
                return active[0]
            paths = sorted(self.path(n.id) for n in matches)
            raise AmbiguousError(
                f"code {text!r} is ambiguous: {'; '.join(paths)} (give the path or the id)"
            )
        return matches[0]

    def resolve_all(self, refs: Iterable[str]) -> list[Node]:
        return [self.resolve(r) for r in refs]

    def _path_names(self, cid: uuid.UUID) -> list[str]:
        return [*(self.nodes[a].name for a in reversed(self.ancestors(cid))), self.nodes[cid].name]


@functools.cache
def _ancestry() -> Any:
    """The code ``:cid`` and its ancestors, root first (built once; it is reused)."""
    base = select(Code.id, Code.name, Code.parent_id, Code.retired, literal(0).label("depth"))
    up = base.where(Code.id == bindparam("cid", type_=Uuid)).cte("up", recursive=True)
    up = up.union_all(
        select(Code.id, Code.name, Code.parent_id, Code.retired, up.c.depth + 1).join(
            up, Code.id == up.c.parent_id
        )
    )
    return select(up.c.name, up.c.retired, up.c.depth).order_by(up.c.depth.desc())


class Found(NamedTuple):
    id: uuid.UUID
    path: str
    retired: bool
    name: str


def lookup_by_id(s: Session, ref: str) -> Found | None:
    """The code whose full id is ``ref`` (its path, retired flag and name), in one
    recursive query up its ancestors (no whole-tree load); None if ``ref`` is not such
    an id."""
    uid = parse_uuid(ref or "")
    if uid is None:
        return None
    rows = s.execute(_ancestry(), {"cid": uid}).all()
    if not rows or len(rows) > 64:  # missing, or a cycle made by hand: use the full tree
        return None
    return Found(uid, PATH_SEP.join(r[0] for r in rows), bool(rows[-1][1]), rows[-1][0])
