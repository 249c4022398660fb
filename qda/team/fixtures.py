"""Build a team scenario: two copies of the demo project coded by two coders.

``python -m qda.team.fixtures OUT_DIR`` (or :func:`build_team_fixture`) writes:

* ``base.qda`` -- the demo project with a shared codebook, a few codings, a memo and
  a relation by ``lead`` (what the team agreed before splitting up);
* ``ana.qda`` and ``ben.qda`` -- copies of it that ``ana`` and ``ben`` coded on their
  own, sentence by sentence, with keyword rules and some noise (so they agree
  moderately), and each with the things that make merging hard:

  - codes both created separately (``coping strategies`` / ``Coping  Strategies``:
    the same path), near-duplicates (``pacing activity`` / ``pacing activities``,
    ``trust in GP`` / ``trusting the GP``) and opposites (``distrust of GP``);
  - two different definitions of ``pain``; another value for one attribute;
  - the shared memo edited differently; a relation each;
  - the same coding made by ``lead`` in both copies (an exact duplicate), and one
    coding in ana's copy by ``BEN`` (the same coder as ``ben``, other case).

Rows are written at model level (Core inserts) with an event for each, as the coding
engine would; the build is deterministic for a seed except for the UUIDs.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

import qda
from qda.common import get_or_create_coder, record_event
from qda.db.models import (
    Attribute,
    AttributeValue,
    Code,
    Coding,
    Document,
    Event,
    Memo,
    MemoLink,
    Participant,
    Relation,
    Sentence,
)
from qda.db.types import utcnow

# code name -> (parent path, keyword pattern)
CODEBOOK: dict[str, tuple[str, str]] = {
    "connecting with health professionals": ("", ""),
    "connecting with health professionals/relationship with GP": ("", ""),
    "connecting with health professionals/relationship with GP/trust in GP": (
        "",
        r"\b(GP|doctor)s?\b.*\b(trust|believ|listen)",
    ),
    "connecting with health professionals/relationship with GP/feeling listened to": (
        "",
        r"\b(listen|heard|understood|asked me)",
    ),
    "connecting with health professionals/physiotherapy": ("", r"\bphysio"),
    "self-management": ("", ""),
    "self-management/exercises": ("", r"\b(exercise|stretch|walk)"),
    "self-management/pacing activity": ("", r"\b(pac(e|ing)|little and often|rest)"),
    "living with pain": ("", ""),
    "living with pain/pain": ("", r"\b(pain|hurt|ache|agony|flare)"),
    "living with pain/medication": ("", r"\b(tablet|medication|pill|painkiller|morphine)"),
    "living with pain/work": ("", r"\b(work|job|boss|school)"),
    "living with pain/family support": ("", r"\b(husband|wife|partner|family|lads|kids)"),
}


@dataclass(frozen=True)
class TeamFixture:
    base: Path
    ana: Path
    ben: Path


class _Writer:
    """Model-level writes with an event each (what the coding engine records)."""

    def __init__(self, s: Session, coder: str):
        self.s = s
        self.coder = get_or_create_coder(s, coder)

    def _add(self, model: type[Any], row: dict[str, Any], action: str, **event: Any) -> uuid.UUID:
        """Insert one row (with its ``id``) and record its event (``entity_kind``, ...)."""
        self.s.execute(insert(model), [row])
        record_event(self.s, coder=self.coder, action=action, entity_id=row["id"], **event)
        rid: uuid.UUID = row["id"]
        return rid

    def code(self, name: str, parent: uuid.UUID | None, definition: str = "") -> uuid.UUID:
        kind = "theme" if parent is None else "code"
        row = dict(
            id=uuid.uuid4(),
            name=name,
            kind=kind,
            parent_id=parent,
            definition=definition,
            inclusion="",
            exclusion="",
            example="",
            color=None,
            is_core=False,
            origin="manual",
            retired=False,
            position=0,
            created_at=utcnow(),
            created_by=self.coder.id,
            updated_at=utcnow(),
        )
        return self._add(
            Code, row, "code-add", entity_kind="code", summary=f"added code {name}",
            after={"name": name},
        )  # fmt: skip

    def define(self, cid: uuid.UUID, definition: str) -> None:
        self.s.execute(update(Code).where(Code.id == cid).values(definition=definition))
        record_event(
            self.s,
            coder=self.coder,
            action="code-define",
            entity_kind="code",
            entity_id=cid,
            after={"definition": definition},
        )

    def codings(self, rows: list[tuple[uuid.UUID, uuid.UUID, int, int, str]]) -> None:
        """(code, document, start, end, quote) rows, by this coder."""
        now = utcnow()
        data = []
        events = []
        for code, doc, start, end, quote in rows:
            kid = uuid.uuid4()
            data.append(
                dict(
                    id=kid,
                    code_id=code,
                    document_id=doc,
                    coder_id=self.coder.id,
                    start=start,
                    end=end,
                    quote=quote,
                    origin="manual",
                    created_at=now,
                )
            )
            events.append(
                dict(
                    id=uuid.uuid4(),
                    at=now,
                    coder_id=self.coder.id,
                    action="code",
                    entity_kind="coding",
                    entity_id=kid,
                    summary="coded",
                    before=None,
                    after=None,
                )
            )
        for model, batch in ((Coding, data), (Event, events)):
            for i in range(0, len(batch), 2000):
                self.s.execute(insert(model), batch[i : i + 2000])

    def memo(self, title: str, body: str, links: list[tuple[str, uuid.UUID]]) -> uuid.UUID:
        now = utcnow()
        row = dict(
            id=uuid.uuid4(),
            type="theoretical note",
            title=title,
            body=body,
            author_id=self.coder.id,
            created_at=now,
            updated_at=now,
        )
        mid = self._add(Memo, row, "memo-add", entity_kind="memo", after={"title": title})
        for kind, target in links:
            self.s.execute(
                insert(MemoLink),
                [dict(id=uuid.uuid4(), memo_id=mid, target_kind=kind, target_id=target)],
            )
        return mid

    def relate(self, source: uuid.UUID, type_: str, target: uuid.UUID) -> None:
        row = dict(
            id=uuid.uuid4(),
            source_id=source,
            type=type_,
            target_id=target,
            note="",
            coder_id=self.coder.id,
            created_at=utcnow(),
        )
        self._add(Relation, row, "relate", entity_kind="relation", after={"type": type_})


def _codes_by_path(s: Session) -> dict[str, uuid.UUID]:
    rows = s.execute(select(Code.id, Code.name, Code.parent_id)).all()
    by_id = {r.id: r for r in rows}

    def path(cid: uuid.UUID) -> str:
        r = by_id[cid]
        return r.name if r.parent_id is None else f"{path(r.parent_id)}/{r.name}"

    return {path(r.id): r.id for r in rows}


def _sentences(s: Session) -> list[tuple[uuid.UUID, int, int, str]]:
    texts = dict(s.execute(select(Document.id, Document.text)).all())
    out = []
    q = (
        select(Sentence.document_id, Sentence.start, Sentence.end)
        .join(Document, Document.id == Sentence.document_id)
        .order_by(Document.position, Document.name, Sentence.start)
    )
    for did, start, end in s.execute(q):
        out.append((did, start, end, texts[did][start:end]))
    return out


def _code_sentences(
    w: _Writer, rng: random.Random, codes: dict[str, uuid.UUID], *, miss: float, noise: float
) -> int:
    rules = [(codes[p], re.compile(rx, re.I)) for p, (_, rx) in CODEBOOK.items() if rx]
    rows = []
    for did, start, end, quote in _sentences(w.s):
        for cid, rx in rules:
            hit = bool(rx.search(quote))
            if (hit and rng.random() > miss) or (not hit and rng.random() < noise):
                rows.append((cid, did, start, end, quote))
    w.codings(rows)
    return len(rows)


def _set_attribute(s: Session, participant: str, attribute: str, value: float) -> None:
    pid = s.scalar(select(Participant.id).where(Participant.name == participant))
    aid = s.scalar(select(Attribute.id).where(Attribute.name == attribute))
    s.execute(
        update(AttributeValue)
        .where(AttributeValue.participant_id == pid, AttributeValue.attribute_id == aid)
        .values(number_value=value)
    )


def _first_sentence(s: Session, doc: str) -> tuple[uuid.UUID, int, int, str]:
    did, text_ = s.execute(select(Document.id, Document.text).where(Document.name == doc)).one()
    start, end = s.execute(
        select(Sentence.start, Sentence.end)
        .where(Sentence.document_id == did)
        .order_by(Sentence.start)
        .offset(3)
        .limit(1)
    ).one()
    return did, start, end, text_[start:end]


def build_team_fixture(demo: Path, out_dir: Path, *, seed: int = 7) -> TeamFixture:
    """Write base.qda, ana.qda and ben.qda into ``out_dir`` (see the module docstring)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base = out_dir / "base.qda"
    shutil.copyfile(demo, base)
    p = qda.open_project(base, coder="lead")
    try:
        with p.store.write() as s:
            w = _Writer(s, "lead")
            ids: dict[str, uuid.UUID] = {}
            for path in CODEBOOK:
                parent, _, name = path.rpartition("/")
                ids[path] = w.code(name, ids[parent] if parent else None)
            w.define(ids["living with pain/pain"], "Any talk of physical pain.")
            did, start, end, quote = _first_sentence(s, "P01")
            w.codings([(ids["living with pain/pain"], did, start, end, quote)])
            w.memo(
                "Partnership as a process",
                "Trust seems to grow over repeated contact.",
                [("code", ids["connecting with health professionals"])],
            )
            w.relate(
                ids["living with pain/medication"], "strategy for", ids["living with pain/pain"]
            )
    finally:
        p.close()
    ana, ben = out_dir / "ana.qda", out_dir / "ben.qda"
    for dst in (ana, ben):
        shutil.copyfile(base, dst)
    extra: dict[str, Any] = {
        "ana": dict(
            seed=seed,
            miss=0.15,
            noise=0.01,
            definition="Pain as the participant describes it.",
            age=59.0,
            new=[
                ("connecting with health professionals/relationship with GP", "distrust of GP"),
                ("", "coping strategies"),
            ],
            memo_body="Trust grows with repeated contact and continuity of carer.",
        ),
        "ben": dict(
            seed=seed + 1,
            miss=0.25,
            noise=0.02,
            definition="Physical or emotional pain.",
            age=57.0,
            new=[
                ("", "Coping  Strategies"),
                ("connecting with health professionals/relationship with GP", "trusting the GP"),
                ("self-management", "pacing activities"),
            ],
            memo_body="Trust grows when the clinician listens.",
        ),
    }
    for coder, target in (("ana", ana), ("ben", ben)):
        cfg = extra[coder]
        rng = random.Random(cfg["seed"])
        p = qda.open_project(target, coder=coder)
        try:
            with p.store.write() as s:
                w = _Writer(s, coder)
                codes = _codes_by_path(s)
                _code_sentences(w, rng, codes, miss=cfg["miss"], noise=cfg["noise"])
                w.define(codes["living with pain/pain"], cfg["definition"])
                _set_attribute(s, "P01", "age", cfg["age"])
                for parent, name in cfg["new"]:
                    cid = w.code(name, codes[parent] if parent else None)
                    did, start, end, quote = _first_sentence(s, "P02")
                    w.codings([(cid, did, start, end, quote)])
                w.relate(
                    codes["self-management/exercises"],
                    f"{coder}: strategy for",
                    codes["living with pain/pain"],
                )
                memo_id = s.scalar(select(Memo.id).where(Memo.title == "Partnership as a process"))
                s.execute(update(Memo).where(Memo.id == memo_id).values(body=cfg["memo_body"]))
                w.memo(
                    f"{coder}'s reflections",
                    f"Notes by {coder}.",
                    [("code", codes["living with pain/pain"])],
                )
                # the same coding by lead in both copies (an exact duplicate when merged)
                lead = _Writer(s, "lead")
                did, start, end, quote = _first_sentence(s, "P03")
                lead.codings([(codes["living with pain/pain"], did, start, end, quote)])
                if coder == "ana":
                    other = _Writer(s, "BEN")
                    did, start, end, quote = _first_sentence(s, "P04")
                    other.codings([(codes["living with pain/work"], did, start, end, quote)])
        finally:
            p.close()
    return TeamFixture(base=base, ana=ana, ben=ben)


def main(argv: list[str] | None = None) -> int:
    from qda.cli.project_cmds import build_demo

    ap = argparse.ArgumentParser(prog="python -m qda.team.fixtures", description=__doc__)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    demo = build_demo(args.out_dir / "demo", coder="lead")
    fx = build_team_fixture(demo, args.out_dir, seed=args.seed)
    print(fx.base, fx.ana, fx.ben, sep="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
