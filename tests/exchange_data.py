"""A coded project for the exchange tests: codes, codings, memos, relations.

Written straight into the tables (not through the coding engine) so the exchange
tests do not depend on another area's work in progress.  Deterministic.
"""

from __future__ import annotations

import random
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

import qda
from qda.common import get_or_create_coder
from qda.db.engine import Store
from qda.db.models import Code, Coding, Document, Memo, MemoLink, Participant, Relation, Sentence

T0 = datetime(2026, 4, 20, 9, 30, tzinfo=UTC)

TREE: list[tuple[str, str, str | None, str, str]] = [
    # name, kind, parent, definition, color
    ("Connecting with health professionals", "theme", None,
     "How participants come to trust (or not) the people treating them.", "#1f77b4"),
    ("Being listened to", "category", "Connecting with health professionals",
     "Feeling heard by a clinician.", "#aec7e8"),
    ("feeling heard", "code", "Being listened to", "The clinician attends to what I say.",
     "#3366cc"),
    ("being dismissed", "code", "Being listened to", "Concerns brushed aside.", "#dc3912"),
    ("Joining the dots", "category", "Connecting with health professionals",
     "Care that is (not) coordinated.", None),
    ("nobody joined the dots", "code", "Joining the dots",
     "Care fragmented between services.", None),
    ("Making progress", "theme", None, "Moving towards self-management.", "#2ca02c"),
    ("Pacing and exercise", "category", "Making progress", "Doing, but not too much.", None),
    ("pacing myself", "code", "Pacing and exercise", "Spreading activity over the day.", "#109618"),
    ("kept going", "code", "Pacing and exercise", "Persistence despite pain.", None),
    ("Feeling no difference", "category", "Making progress", "No change despite care.", None),
    ("no difference", "code", "Feeling no difference", "Treatment did not help.", "#ff9900"),
]  # fmt: skip


def populate(store: Store, *, codings_per_code: int = 9, seed: int = 3) -> dict[str, Any]:
    """Fill a demo project (documents + participants) with a coded analysis."""
    rng = random.Random(seed)
    ids: dict[str, uuid.UUID] = {}
    with store.write() as s:
        ana = get_or_create_coder(s, "ana").id
        ben = get_or_create_coder(s, "ben").id
        rows = []
        for pos, (name, kind, parent, definition, color) in enumerate(TREE):
            ids[name] = cid = uuid.UUID(int=rng.getrandbits(128), version=4)
            rows.append(
                dict(
                    id=cid, name=name, kind=kind, parent_id=ids[parent] if parent else None,
                    definition=definition,
                    inclusion=f"Include talk about {name}." if kind == "code" else "",
                    exclusion="Exclude the interviewer's words." if kind == "code" else "",
                    example=f'"…{name}…"' if kind == "code" else "", color=color,
                    is_core=name == "Making progress",
                    origin="invivo" if name == "nobody joined the dots" else "manual",
                    retired=False, position=pos, created_at=T0, created_by=ana, updated_at=T0,
                )
            )  # fmt: skip
        rows[-1]["retired"] = True
        s.execute(insert(Code), rows)
        docs = {d.id: d.text for d in s.scalars(select(Document))}
        sents = s.execute(
            select(Sentence.document_id, Sentence.start, Sentence.end).order_by(
                Sentence.document_id, Sentence.start
            )
        ).all()
        leaves = [ids[n] for n, k, *_ in TREE if k == "code"]
        coding_rows = []
        for i, cid in enumerate(leaves):
            for j in range(codings_per_code):
                did, st, en = sents[rng.randrange(len(sents))]
                who = ana if (i + j) % 3 else ben
                coding_rows.append(
                    dict(id=uuid.UUID(int=rng.getrandbits(128), version=4), code_id=cid,
                         document_id=did, coder_id=who, start=st, end=en, quote=docs[did][st:en],
                         origin="manual", created_at=T0 + timedelta(minutes=i * 10 + j))
                )  # fmt: skip
        # two codes on the very same span (one selection with two codings)
        c0 = coding_rows[0]
        coding_rows.append(dict(c0, id=uuid.UUID(int=rng.getrandbits(128), version=4),
                                code_id=leaves[1], coder_id=ben))  # fmt: skip
        s.execute(insert(Coding), coding_rows)
        rel1 = uuid.UUID(int=rng.getrandbits(128), version=4)
        rel2 = uuid.UUID(int=rng.getrandbits(128), version=4)
        s.execute(
            insert(Relation),
            [
                dict(id=rel1, source_id=ids["no difference"], type="consequence of",
                     target_id=ids["nobody joined the dots"], note="Seen in P06 and P13.",
                     coder_id=ana, created_at=T0),
                dict(id=rel2, source_id=ids["pacing myself"], type="strategy for",
                     target_id=ids["Making progress"], note="", coder_id=ana, created_at=T0),
            ],
        )  # fmt: skip
        part = s.scalars(select(Participant).order_by(Participant.name)).first()
        assert part is not None
        first_doc = next(iter(sorted(docs, key=str)))
        memos = [
            ("code note", "On feeling heard", "Heard ≠ agreed with.",
             [("code", ids["feeling heard"])]),
            ("theoretical note", "Core category", "Partnership as the engine of self-management.",
             [("code", ids["Making progress"]), ("relation", rel1)]),
            ("operational note", "Recode P06", "Check P06 turn 14 again.\nSecond line — ✓ 😀",
             [("document", first_doc), ("coding", coding_rows[0]["id"])]),
            ("free", "About the participant", "Lives alone.", [("participant", part.id)]),
            ("free", "Unlinked thought", "Is pacing a strategy or an outcome?", []),
        ]  # fmt: skip
        memo_ids = []
        for k, (mtype, title, body, links) in enumerate(memos):
            mid = uuid.UUID(int=rng.getrandbits(128), version=4)
            memo_ids.append(mid)
            s.execute(insert(Memo).values(id=mid, type=mtype, title=title, body=body,
                                          author_id=ana if k % 2 == 0 else ben,
                                          created_at=T0 + timedelta(hours=k),
                                          updated_at=T0 + timedelta(hours=k + 1)))  # fmt: skip
            for kind, tid in links:
                s.execute(insert(MemoLink).values(id=uuid.uuid4(), memo_id=mid, target_kind=kind,
                                                  target_id=tid))  # fmt: skip
        s.execute(insert(MemoLink).values(id=uuid.uuid4(), memo_id=memo_ids[4],
                                          target_kind="memo", target_id=memo_ids[1]))  # fmt: skip
    return {"codes": ids, "codings": len(coding_rows), "memos": memo_ids, "relations": [rel1, rel2]}


def coded_copy(master: Path, dst: Path) -> Path:
    """A copy of the demo project ``master`` at ``dst``, filled by :func:`populate`."""
    shutil.copyfile(master, dst)
    p = qda.open_project(dst, coder="ana")
    try:
        populate(p.store)
    finally:
        p.close()
    return dst


@pytest.fixture(scope="module")
def coded_master(_demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The coded demo project, built once per test module (copy it before writing)."""
    return coded_copy(_demo_master, tmp_path_factory.mktemp("coded") / "coded.qda")


@pytest.fixture
def coded(coded_master: Path, tmp_path: Path) -> Iterator[qda.Project]:
    """A fresh copy of the coded demo project, open as coder ana."""
    dst = tmp_path / "coded.qda"
    shutil.copyfile(coded_master, dst)
    p = qda.open_project(dst, coder="ana")
    yield p
    p.close()
