"""Code-tree operations: add, rename, define, move, merge, split, retire, core.

Each is one transaction, one event and one undo step.  Validation happens before the
first write, so a refused request changes nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from qda.coding.codetree import CodeTree
from qda.coding.types import CodeInfo
from qda.coding.undo import table
from qda.coding.views import Action, action, code_counts, code_info, code_snapshot, resolve_coding
from qda.common import record_event
from qda.db.engine import Store
from qda.db.models import CODE_KINDS, CODE_ORIGINS, Code
from qda.db.types import utcnow
from qda.errors import InvalidInputError

CODES = table("codes")
CODINGS = table("codings")
RELATIONS = table("relations")
MEMO_LINKS = table("memo_links")
SUGGESTIONS = table("suggestions")
MAX_NAME = 300
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


# -- validation ------------------------------------------------------------------------


def clean_name(name: str) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise InvalidInputError("a code needs a name")
    if len(clean) > MAX_NAME:
        raise InvalidInputError(f"code name too long ({len(clean)} characters; at most {MAX_NAME})")
    return clean


def check_kind(kind: str) -> str:
    k = (kind or "").strip().lower()
    if k not in CODE_KINDS:
        raise InvalidInputError(f"unknown kind {kind!r}; use one of {', '.join(CODE_KINDS)}")
    return k


def check_origin(origin: str) -> str:
    o = (origin or "").strip().lower().replace("-", "")
    if o not in CODE_ORIGINS:
        raise InvalidInputError(f"unknown origin {origin!r}; use one of {', '.join(CODE_ORIGINS)}")
    return o


def clean_color(color: str | None) -> str | None:
    """``#rgb`` or ``#rrggbb`` (stored as lower-case ``#rrggbb``); "" clears."""
    if color is None or not color.strip():
        return None
    c = color.strip()
    if not c.startswith("#"):
        c = "#" + c
    if not _HEX.match(c):
        raise InvalidInputError(f"colour {color!r} is not #rrggbb")
    if len(c) == 4:
        c = "#" + "".join(ch * 2 for ch in c[1:])
    return c.lower()


def _unique_sibling(
    tree: CodeTree, parent_id: uuid.UUID | None, name: str, exclude: uuid.UUID | None = None
) -> None:
    other = tree.sibling_named(parent_id, name, exclude=exclude)
    if other is not None:
        where = f"under {tree.path(parent_id)!r}" if parent_id else "at the top level"
        raise InvalidInputError(f"there is already a code {tree.node(other).name!r} {where}")


def _next_position(tree: CodeTree, parent_id: uuid.UUID | None) -> int:
    sibs = tree.siblings(parent_id)
    return max((tree.node(i).position for i in sibs), default=-1) + 1


def _info(a: Action, cid: uuid.UUID) -> CodeInfo:
    a.changed_tree()
    return code_info(a.s, a.tree, cid)


# -- operations ------------------------------------------------------------------------


def add_code(
    store: Store,
    coder: str,
    name: str,
    *,
    kind: str = "code",
    parent: str | None = None,
    definition: str = "",
    color: str | None = None,
    origin: str = "manual",
    inclusion: str = "",
    exclusion: str = "",
    example: str = "",
    position: int | None = None,
    code_id: str | uuid.UUID | None = None,
) -> CodeInfo:
    """A new code, category or theme (under ``parent``, or at the top level)."""
    name = clean_name(name)
    kind = check_kind(kind)
    origin = check_origin(origin)
    color = clean_color(color)
    with action(store, coder, "add_code") as a:
        parent_id = a.tree.resolve(parent).id if parent else None
        _unique_sibling(a.tree, parent_id, name)
        new_id = uuid.UUID(str(code_id)) if code_id else uuid.uuid4()
        if new_id in a.tree:
            raise InvalidInputError(f"a code with id {new_id} exists already")
        now = utcnow()
        row = dict(
            id=new_id, name=name, kind=kind, parent_id=parent_id, definition=definition or "",
            inclusion=inclusion or "", exclusion=exclusion or "", example=example or "",
            color=color, is_core=False, origin=origin, retired=False,
            position=_next_position(a.tree, parent_id), created_at=now,
            created_by=a.coder.id, updated_at=now,
        )  # fmt: skip
        a.journal.insert(CODES, row)
        a.changed_tree()
        if position is not None:
            _place(a, new_id, parent_id, position)
        info = _info(a, new_id)
        a.summary = f"add {kind} {info.path!r}"
        record_event(
            a.s, coder=a.coder, action="add_code", entity_kind="code", entity_id=new_id,
            summary=a.summary, after=code_snapshot(a.s, new_id),
        )  # fmt: skip
        return info


def _update(a: Action, cid: uuid.UUID, values: dict[str, Any]) -> dict[str, Any]:
    old = a.journal.update(CODES, cid, values)
    if old:
        a.journal.update(CODES, cid, {"updated_at": utcnow()})
    return old


def rename_code(store: Store, coder: str, ref: str, new_name: str) -> CodeInfo:
    name = clean_name(new_name)
    with action(store, coder, "rename_code") as a:
        node = a.tree.resolve(ref)
        _unique_sibling(a.tree, node.parent_id, name, exclude=node.id)
        before = a.tree.path(node.id)
        _update(a, node.id, {"name": name})
        info = _info(a, node.id)
        a.summary = f"rename {before!r} to {name!r}"
        record_event(
            a.s, coder=a.coder, action="rename_code", entity_kind="code", entity_id=node.id,
            summary=a.summary, before={"name": node.name, "path": before},
            after={"name": name, "path": info.path},
        )  # fmt: skip
        return info


def define_code(
    store: Store,
    coder: str,
    ref: str,
    *,
    definition: str | None = None,
    inclusion: str | None = None,
    exclusion: str | None = None,
    example: str | None = None,
    color: str | None = None,
    kind: str | None = None,
) -> CodeInfo:
    """Set any of definition, criteria, example, colour ("" clears it) and kind."""
    values: dict[str, Any] = {}
    for key, val in (
        ("definition", definition), ("inclusion", inclusion), ("exclusion", exclusion),
        ("example", example),
    ):  # fmt: skip
        if val is not None:
            values[key] = val
    if color is not None:
        values["color"] = clean_color(color)
    if kind is not None:
        values["kind"] = check_kind(kind)
    with action(store, coder, "define_code") as a:
        node = a.tree.resolve(ref)
        if values.get("kind") == "theme" and node.is_core:
            raise InvalidInputError("the core category cannot be a theme; unset it first")
        before = code_snapshot(a.s, node.id)
        old = _update(a, node.id, values)
        info = _info(a, node.id)
        if old:
            a.summary = f"define {info.path!r} ({', '.join(k for k in old if k != 'updated_at')})"
            record_event(
                a.s, coder=a.coder, action="define_code", entity_kind="code", entity_id=node.id,
                summary=a.summary, before={k: before[k] for k in old if k in before},
                after={k: values[k] for k in old},
            )  # fmt: skip
        return info


def _place(a: Action, cid: uuid.UUID, parent_id: uuid.UUID | None, position: int) -> None:
    """Put ``cid`` at index ``position`` among its siblings; renumber them 0..n-1."""
    sibs = [i for i in a.tree.siblings(parent_id) if i != cid]
    position = max(0, min(position, len(sibs)))
    sibs.insert(position, cid)
    for i, sid in enumerate(sibs):
        if a.tree.node(sid).position != i:
            a.journal.update(CODES, sid, {"position": i})
    a.changed_tree()


def move_code(
    store: Store, coder: str, ref: str, parent: str | None, position: int | None = None
) -> CodeInfo:
    """Move under ``parent`` (None: the top level), at ``position`` among its siblings."""
    with action(store, coder, "move_code") as a:
        node = a.tree.resolve(ref)
        new_parent = a.tree.resolve(parent).id if parent else None
        if new_parent is not None and (
            new_parent == node.id or new_parent in a.tree.descendants(node.id)
        ):
            raise InvalidInputError(
                f"cannot move {a.tree.path(node.id)!r} under {a.tree.path(new_parent)!r}: "
                "that would make a cycle in the tree"
            )
        _unique_sibling(a.tree, new_parent, node.name, exclude=node.id)
        before = a.tree.path(node.id)
        before_parent = node.parent_id
        if new_parent != node.parent_id:
            _update(a, node.id, {"parent_id": new_parent})
            a.changed_tree()
            if position is None:
                a.journal.update(CODES, node.id, {"position": _next_position(a.tree, new_parent)})
                a.changed_tree()
        if position is not None:
            _place(a, node.id, new_parent, position)
        info = _info(a, node.id)
        a.summary = f"move {before!r} to {info.path!r}"
        record_event(
            a.s, coder=a.coder, action="move_code", entity_kind="code", entity_id=node.id,
            summary=a.summary,
            before={"parent_id": str(before_parent) if before_parent else None, "path": before},
            after={"parent_id": info.parent_id, "path": info.path, "position": info.position},
        )  # fmt: skip
        return info


def split_code(
    store: Store,
    coder: str,
    ref: str,
    coding_ids: Sequence[str],
    new_name: str,
    *,
    parent: str | None = None,
    definition: str = "",
) -> CodeInfo:
    """Move the chosen codings of ``ref`` to a new code (a sibling of ``ref``, placed
    right after it, unless ``parent`` is given)."""
    name = clean_name(new_name)
    if not coding_ids:
        raise InvalidInputError("choose at least one coding to split off")
    with action(store, coder, "split_code") as a:
        node = a.tree.resolve(ref)
        chosen = list(dict.fromkeys(resolve_coding(a.s, c, code_id=node.id) for c in coding_ids))
        parent_id = a.tree.resolve(parent).id if parent else node.parent_id
        _unique_sibling(a.tree, parent_id, name)
        now = utcnow()
        new_id = uuid.uuid4()
        a.journal.insert(
            CODES,
            dict(
                id=new_id, name=name, kind=node.kind, parent_id=parent_id,
                definition=definition or "", inclusion="", exclusion="", example="",
                color=None, is_core=False, origin="manual", retired=False,
                position=_next_position(a.tree, parent_id), created_at=now,
                created_by=a.coder.id, updated_at=now,
            ),
        )  # fmt: skip
        a.changed_tree()
        if parent_id == node.parent_id:
            sibs = a.tree.siblings(parent_id)
            _place(a, new_id, parent_id, sibs.index(node.id) + 1)
        a.journal.update_many(CODINGS, chosen, "code_id", node.id, new_id)
        info = _info(a, new_id)
        a.summary = f"split {len(chosen)} codings of {a.tree.path(node.id)!r} into {info.path!r}"
        record_event(
            a.s, coder=a.coder, action="split_code", entity_kind="code", entity_id=new_id,
            summary=a.summary, before={"code_id": str(node.id), "path": a.tree.path(node.id)},
            after={"code": code_snapshot(a.s, new_id), "codings": [str(c) for c in chosen]},
        )  # fmt: skip
        return info


def retire_code(store: Store, coder: str, ref: str, *, retired: bool = True) -> CodeInfo:
    """Hide a code and everything under it from pickers (never deleted); or bring back."""
    with action(store, coder, "retire_code" if retired else "unretire_code") as a:
        node = a.tree.resolve(ref)
        changed = []
        for cid in a.tree.subtree(node.id):
            if _update(a, cid, {"retired": retired}):
                changed.append(str(cid))
        info = _info(a, node.id)
        verb = "retire" if retired else "unretire"
        a.summary = f"{verb} {info.path!r}"
        if changed:
            record_event(
                a.s, coder=a.coder, action=f"{verb}_code", entity_kind="code", entity_id=node.id,
                summary=a.summary, before={"retired": not retired, "codes": changed},
                after={"retired": retired},
            )  # fmt: skip
        return info


def set_core(store: Store, coder: str, ref: str, *, core: bool = True) -> CodeInfo:
    """Mark the core category (one code or category; any other loses the mark)."""
    with action(store, coder, "set_core") as a:
        node = a.tree.resolve(ref)
        if core and node.kind == "theme":
            raise InvalidInputError("the core category is a code or a category, not a theme")
        before = [str(i) for i, n in a.tree.nodes.items() if n.is_core]
        if core:
            for i in before:
                if uuid.UUID(i) != node.id:
                    _update(a, uuid.UUID(i), {"is_core": False})
        _update(a, node.id, {"is_core": core})
        info = _info(a, node.id)
        a.summary = f"{'mark' if core else 'unmark'} {info.path!r} as the core category"
        record_event(
            a.s, coder=a.coder, action="set_core", entity_kind="code", entity_id=node.id,
            summary=a.summary, before={"core": before}, after={"core": core},
        )  # fmt: skip
        return info


# -- reading ---------------------------------------------------------------------------


def list_codes(store: Store, *, include_retired: bool = False) -> list[CodeInfo]:
    """Every code in tree order (depth-first by position), with own counts."""
    with store.read() as s:
        tree = CodeTree.load(s)
        rows = {c.id: c for c in s.scalars(select(Code))}
        counts = code_counts(s)
        out = []
        for cid in tree.order():
            if not include_retired and tree.node(cid).retired:
                continue
            if not include_retired and any(tree.node(x).retired for x in tree.ancestors(cid)):
                continue
            out.append(code_info(s, tree, cid, counts, rows[cid]))
        return out


def get_code(store: Store, ref: str) -> CodeInfo:
    with store.read() as s:
        tree = CodeTree.load(s)
        return code_info(s, tree, tree.resolve(ref).id)
