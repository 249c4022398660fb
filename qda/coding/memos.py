"""Memos: code notes, theoretical notes, operational notes and free memos, with a
Markdown body, linked to any number of documents, participants, codes, codings,
relations or other memos, and found by full-text search over title and body.

Memo writing is an audit-trail event but not part of undo: a memo is prose, edited
in its own editor; undo covers coding and the code tree.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from qda.coding.codetree import CodeTree
from qda.coding.relations import resolve_relation
from qda.coding.types import MemoInfo
from qda.coding.views import iso, resolve_coding
from qda.common import (
    get_or_create_coder,
    parse_uuid,
    record_event,
    resolve_document,
    resolve_participant,
)
from qda.db.engine import Store
from qda.db.models import (
    LINK_KINDS,
    MEMO_TYPES,
    Coder,
    Coding,
    Document,
    Memo,
    MemoLink,
    Participant,
    Relation,
)
from qda.db.types import utcnow
from qda.errors import AmbiguousError, InvalidInputError, NotFoundError

MAX_TITLE = 500
_TYPE_ALIASES = {
    "code": "code note",
    "codenote": "code note",
    "theoretical": "theoretical note",
    "theory": "theoretical note",
    "theoretical memo": "theoretical note",
    "operational": "operational note",
    "memo": "free",
    "note": "free",
}
_KIND_ALIASES = {"doc": "document", "case": "participant", "person": "participant"}

LinkSpec = tuple[str, str] | str


def clean_type(memo_type: str) -> str:
    t = " ".join((memo_type or "free").replace("_", " ").replace("-", " ").split()).lower()
    t = _TYPE_ALIASES.get(t, _TYPE_ALIASES.get(t.replace(" ", ""), t))
    if t not in MEMO_TYPES:
        raise InvalidInputError(
            f"unknown memo type {memo_type!r}; use one of {', '.join(MEMO_TYPES)}"
        )
    return t


def clean_kind(kind: str) -> str:
    k = (kind or "").strip().lower()
    k = _KIND_ALIASES.get(k, k)
    if k not in LINK_KINDS:
        raise InvalidInputError(
            f"cannot link a memo to {kind!r}; use one of {', '.join(LINK_KINDS)}"
        )
    return k


def _clean_title(title: str) -> str:
    t = " ".join((title or "").split())
    if not t:
        raise InvalidInputError("a memo needs a title")
    if len(t) > MAX_TITLE:
        raise InvalidInputError(f"memo title too long (at most {MAX_TITLE} characters)")
    return t


def parse_link(spec: LinkSpec) -> tuple[str, str]:
    """``("code", "trust")`` or ``"code:trust"`` -> ``("code", "trust")``."""
    if isinstance(spec, tuple):
        kind, ref = spec
    else:
        if ":" not in spec:
            raise InvalidInputError(f"link {spec!r}: write KIND:REF, e.g. code:trust or doc:P01")
        kind, ref = spec.split(":", 1)
    return clean_kind(kind), ref.strip()


def resolve_memo(s: Session, ref: str) -> uuid.UUID:
    text = (ref or "").strip()
    uid = parse_uuid(text)
    if uid is not None and s.get(Memo, uid) is not None:
        return uid
    low = text.lower()
    if len(low) >= 6 and all(c in "0123456789abcdef-" for c in low):
        hits = [i for i in s.scalars(select(Memo.id)) if i.hex.startswith(low.replace("-", ""))]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise AmbiguousError(f"{len(hits)} memos start with {ref!r}; give more of the id")
    titled = list(s.scalars(select(Memo.id).where(Memo.title == " ".join(text.split()))))
    if len(titled) == 1:
        return titled[0]
    if len(titled) > 1:
        raise AmbiguousError(f"{len(titled)} memos are titled {ref!r}; use the id")
    raise NotFoundError(f"no memo {ref!r} (see `qda memo list`)")


def resolve_target(s: Session, tree: CodeTree, kind: str, ref: str) -> uuid.UUID:
    kind = clean_kind(kind)
    if kind == "document":
        return resolve_document(s, ref).id
    if kind == "participant":
        return resolve_participant(s, ref).id
    if kind == "code":
        return tree.resolve(ref).id
    if kind == "coding":
        return resolve_coding(s, ref)
    if kind == "relation":
        return resolve_relation(s, ref)
    return resolve_memo(s, ref)


def _labels(s: Session, tree: CodeTree, links: Iterable[tuple[str, uuid.UUID]]) -> dict[Any, str]:
    """A human label for every link target (``"(deleted)"`` when it is gone)."""
    by_kind: dict[str, list[uuid.UUID]] = {}
    for kind, tid in links:
        by_kind.setdefault(kind, []).append(tid)
    out: dict[Any, str] = {}
    for kind, ids in by_kind.items():
        if kind == "code":
            for i in ids:
                out[(kind, i)] = tree.path(i) if i in tree else "(deleted)"
        elif kind == "document":
            for i, n in s.execute(select(Document.id, Document.name).where(Document.id.in_(ids))):
                out[(kind, i)] = n
        elif kind == "participant":
            for i, n in s.execute(
                select(Participant.id, Participant.name).where(Participant.id.in_(ids))
            ):
                out[(kind, i)] = n
        elif kind == "coding":
            cq = (
                select(Coding.id, Coding.code_id, Document.name, Coding.start, Coding.end)
                .join(Document, Document.id == Coding.document_id)
                .where(Coding.id.in_(ids))
            )
            for i, code_id, dname, st, en in s.execute(cq):
                out[(kind, i)] = f"{tree.path(code_id)} @ {dname} {st}-{en}"
        elif kind == "relation":
            rq = select(Relation.id, Relation.source_id, Relation.type, Relation.target_id).where(
                Relation.id.in_(ids)
            )
            for i, a, t, b in s.execute(rq):
                out[(kind, i)] = f"{tree.path(a)} —{t}→ {tree.path(b)}"
        elif kind == "memo":
            for i, title in s.execute(select(Memo.id, Memo.title).where(Memo.id.in_(ids))):
                out[(kind, i)] = title
    return out


def _infos(s: Session, memo_ids: Sequence[uuid.UUID] | None = None) -> list[MemoInfo]:
    tree = CodeTree.load(s)
    q = (
        select(Memo, Coder.name)
        .outerjoin(Coder, Coder.id == Memo.author_id)
        .order_by(Memo.updated_at.desc(), Memo.title)
        .execution_options(populate_existing=True)
    )
    if memo_ids is not None:
        q = q.where(Memo.id.in_(list(memo_ids)))
    memos = s.execute(q).all()
    lq = select(MemoLink.memo_id, MemoLink.target_kind, MemoLink.target_id)
    if memo_ids is not None:
        lq = lq.where(MemoLink.memo_id.in_(list(memo_ids)))
    links: dict[uuid.UUID, list[tuple[str, uuid.UUID]]] = {}
    for mid, kind, tid in s.execute(lq.order_by(MemoLink.target_kind)):
        links.setdefault(mid, []).append((kind, tid))
    labels = _labels(s, tree, [x for v in links.values() for x in v])
    return [
        MemoInfo(
            id=str(m.id),
            type=m.type,
            title=m.title,
            body=m.body,
            author=author,
            created_at=iso(m.created_at),
            updated_at=iso(m.updated_at),
            links=[
                {"kind": k, "id": str(t), "label": labels.get((k, t), "(deleted)")}
                for k, t in links.get(m.id, [])
            ],
        )
        for m, author in memos
    ]


def _one(s: Session, mid: uuid.UUID) -> MemoInfo:
    return _infos(s, [mid])[0]


def _add_links(
    s: Session, tree: CodeTree, mid: uuid.UUID, links: Iterable[LinkSpec]
) -> list[dict[str, str]]:
    added = []
    q = select(MemoLink.target_kind, MemoLink.target_id).where(MemoLink.memo_id == mid)
    have = {(k, t) for k, t in s.execute(q)}
    for spec in links:
        kind, ref = parse_link(spec)
        tid = resolve_target(s, tree, kind, ref)
        if kind == "memo" and tid == mid:
            raise InvalidInputError("a memo cannot link to itself")
        if (kind, tid) in have:
            continue
        s.execute(
            insert(MemoLink).values(id=uuid.uuid4(), memo_id=mid, target_kind=kind, target_id=tid)
        )
        have.add((kind, tid))
        added.append({"kind": kind, "id": str(tid)})
    return added


def add_memo(
    store: Store,
    coder: str,
    memo_type: str,
    title: str,
    text: str = "",
    links: Iterable[LinkSpec] = (),
) -> MemoInfo:
    typ = clean_type(memo_type)
    title = _clean_title(title)
    with store.write() as s:
        c = get_or_create_coder(s, coder)
        mid = uuid.uuid4()
        now = utcnow()
        s.execute(
            insert(Memo).values(
                id=mid, type=typ, title=title, body=text or "", author_id=c.id, created_at=now,
                updated_at=now,
            )
        )  # fmt: skip
        added = _add_links(s, CodeTree.load(s), mid, links)
        record_event(
            s, coder=c, action="add_memo", entity_kind="memo", entity_id=mid,
            summary=f"add {typ} {title!r}",
            after={"type": typ, "title": title, "body": text or "", "links": added},
        )  # fmt: skip
        return _one(s, mid)


def edit_memo(
    store: Store,
    coder: str,
    memo_ref: str,
    *,
    title: str | None = None,
    text: str | None = None,
    memo_type: str | None = None,
    append: str | None = None,
) -> MemoInfo:
    """Change a memo's title, body (or append to it) and type."""
    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = _clean_title(title)
    if memo_type is not None:
        values["type"] = clean_type(memo_type)
    with store.write() as s:
        c = get_or_create_coder(s, coder)
        mid = resolve_memo(s, memo_ref)
        m = s.get(Memo, mid, populate_existing=True)
        assert m is not None
        if text is not None:
            values["body"] = text
        if append:
            base = values.get("body", m.body)
            values["body"] = (base.rstrip() + "\n\n" + append) if base.strip() else append
        before = {k: getattr(m, k) for k in values}
        changed = {k: v for k, v in values.items() if before[k] != v}
        if changed:
            s.execute(update(Memo).where(Memo.id == mid).values(**changed, updated_at=utcnow()))
            record_event(
                s, coder=c, action="edit_memo", entity_kind="memo", entity_id=mid,
                summary=f"edit memo {values.get('title', m.title)!r} ({', '.join(changed)})",
                before={k: before[k] for k in changed}, after=changed,
            )  # fmt: skip
        return _one(s, mid)


def link_memo(store: Store, coder: str, memo_ref: str, kind: str, ref: str) -> MemoInfo:
    with store.write() as s:
        c = get_or_create_coder(s, coder)
        mid = resolve_memo(s, memo_ref)
        added = _add_links(s, CodeTree.load(s), mid, [(kind, ref)])
        if added:
            s.execute(update(Memo).where(Memo.id == mid).values(updated_at=utcnow()))
            record_event(
                s, coder=c, action="link_memo", entity_kind="memo", entity_id=mid,
                summary=f"link memo to {added[0]['kind']} {ref}", after=added[0],
            )  # fmt: skip
        return _one(s, mid)


def unlink_memo(store: Store, coder: str, memo_ref: str, kind: str, ref: str) -> MemoInfo:
    with store.write() as s:
        c = get_or_create_coder(s, coder)
        mid = resolve_memo(s, memo_ref)
        k = clean_kind(kind)
        tid = resolve_target(s, CodeTree.load(s), k, ref)
        link = s.scalars(
            select(MemoLink).where(
                MemoLink.memo_id == mid, MemoLink.target_kind == k, MemoLink.target_id == tid
            )
        ).first()
        if link is None:
            raise NotFoundError(f"the memo is not linked to {k} {ref!r}")
        s.delete(link)
        s.execute(update(Memo).where(Memo.id == mid).values(updated_at=utcnow()))
        record_event(
            s, coder=c, action="unlink_memo", entity_kind="memo", entity_id=mid,
            summary=f"unlink memo from {k} {ref}", before={"kind": k, "id": str(tid)},
        )  # fmt: skip
        return _one(s, mid)


def _terms(query: str) -> list[re.Pattern[str]]:
    pats = []
    for m in re.finditer(r'"([^"]+)"|(\S+)', query):
        if m.group(1):
            words = m.group(1).split()
            pats.append(re.compile(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", re.I))
        else:
            tok = m.group(2)
            prefix = tok.endswith("*")
            tok = tok.rstrip("*")
            if tok:
                pats.append(re.compile(r"\b" + re.escape(tok) + (r"" if prefix else r"\b"), re.I))
    return pats


def list_memos(
    store: Store,
    *,
    memo_type: str | None = None,
    link_kind: str | None = None,
    link_id: str | None = None,
    query: str | None = None,
) -> list[MemoInfo]:
    """Memos, newest first; by type, by what they link to, and by words in title or body
    (every word must occur; ``"a phrase"``; ``word*`` for a prefix).  Found by search,
    they are ranked by how often the words occur."""
    with store.read() as s:
        ids: list[uuid.UUID] | None = None
        if link_kind is not None or link_id is not None:
            q = select(MemoLink.memo_id)
            if link_kind is not None:
                k = clean_kind(link_kind)
                q = q.where(MemoLink.target_kind == k)
                if link_id is not None:
                    tid = resolve_target(s, CodeTree.load(s), k, link_id)
                    q = q.where(MemoLink.target_id == tid)
            elif link_id is not None:
                uid = parse_uuid(link_id)
                if uid is None:
                    raise InvalidInputError("give --link-kind with a name; or a full id")
                q = q.where(MemoLink.target_id == uid)
            ids = list(dict.fromkeys(s.scalars(q)))
        memos = _infos(s, ids) if ids is None or ids else []
        if memo_type is not None:
            t = clean_type(memo_type)
            memos = [m for m in memos if m.type == t]
        if query and query.strip():
            pats = _terms(query)
            scored = []
            for m in memos:
                hay = m.title + "\n" + m.body
                counts = [len(p.findall(hay)) for p in pats]
                if all(counts):
                    scored.append(
                        (-sum(counts) - 2 * sum(bool(p.search(m.title)) for p in pats), m)
                    )
            scored.sort(key=lambda x: x[0])
            memos = [m for _, m in scored]
        return memos


def get_memo(store: Store, ref: str) -> MemoInfo:
    with store.read() as s:
        return _one(s, resolve_memo(s, ref))
