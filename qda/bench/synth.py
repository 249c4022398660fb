"""Synthetic corpora for benchmarks: interview-like transcripts, codes and codings.

Deterministic for a given seed.  ``write_transcripts`` writes files to import;
``add_codes_and_codings`` fills a project with a code tree and codings by several
coders (Core inserts, sentence-aligned spans), as a coded project would look.
"""

from __future__ import annotations

import random
import uuid
from pathlib import Path

from sqlalchemy import insert, select

from qda.common import get_or_create_coder
from qda.db.engine import Store
from qda.db.models import Code, Coding, Document, Sentence
from qda.db.types import utcnow

_TOPICS = [
    "my physio", "the GP", "the pain clinic", "the nurse", "my back", "the exercises",
    "the tablets", "sleep", "work", "my partner", "the psychologist", "the appointment",
    "the waiting list", "the scan", "pacing", "walking", "the flare-up", "the group",
]  # fmt: skip
_VERBS = [
    "listened to", "explained", "helped with", "ignored", "changed", "talked about",
    "understood", "worried about", "managed", "believed", "pushed", "supported",
]  # fmt: skip
_FILLERS = ["um", "you know", "sort of", "like", "I mean", "er", "well", "honestly"]
_ENDINGS = [
    "and it made a difference", "but I felt no difference", "which was hard",
    "and I trusted them", "so I kept going", "and nobody joined the dots",
    "and that was the turning point", "because my back was bad that week",
]  # fmt: skip
_QUESTIONS = [
    "Can you tell me more about that?", "What was that like for you?",
    "How did that change things?", "What happened next?", "How did you feel about it?",
]  # fmt: skip


def _sentence(rng: random.Random) -> str:
    parts = []
    if rng.random() < 0.4:
        parts.append(rng.choice(_FILLERS).capitalize() + ",")
    subject = rng.choice(["I", "She", "He", "They", "We"]) if parts else rng.choice(["I", "She"])
    parts.append(subject if not parts else subject.lower() if subject != "I" else "I")
    parts.append(rng.choice(_VERBS))
    parts.append(rng.choice(_TOPICS))
    if rng.random() < 0.5:
        parts.append(rng.choice(_ENDINGS))
    s = " ".join(parts)
    return s[0].upper() + s[1:] + rng.choice([".", ".", ".", "?", "!"])


def transcript(rng: random.Random, participant: str, words: int) -> str:
    """An interview of about ``words`` words with interviewer and participant turns."""
    out: list[str] = []
    n = 0
    while n < words:
        q = "Interviewer: " + rng.choice(_QUESTIONS)
        body = " ".join(_sentence(rng) for _ in range(rng.randint(2, 7)))
        turn = f"{participant}: {body}"
        out.append(q)
        out.append(turn)
        n += len(q.split()) + len(turn.split())
    return "\n\n".join(out) + "\n"


def write_transcripts(directory: Path, *, docs: int, words: int, seed: int = 7) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(docs):
        name = f"S{i + 1:04d}"
        p = directory / f"{name}.txt"
        p.write_text(transcript(rng, name, words), encoding="utf-8")
        paths.append(p)
    return paths


def add_codes_and_codings(
    store: Store,
    *,
    codes: int = 500,
    codings: int = 100_000,
    coders: tuple[str, ...] = ("ana", "ben"),
    seed: int = 11,
) -> dict[str, int]:
    """A theme > category > code tree of ``codes`` nodes and ``codings`` codings."""
    rng = random.Random(seed)
    now = utcnow()
    with store.write() as s:
        coder_ids = [get_or_create_coder(s, c).id for c in coders]
        themes = max(1, codes // 50)
        cats = max(1, codes // 10)
        rows: list[dict[str, object]] = []
        theme_ids = [uuid.uuid4() for _ in range(themes)]
        for i, tid in enumerate(theme_ids):
            rows.append(dict(id=tid, name=f"theme {i + 1}", kind="theme", parent_id=None))
        cat_ids = [uuid.uuid4() for _ in range(cats)]
        for i, cid in enumerate(cat_ids):
            rows.append(
                dict(
                    id=cid,
                    name=f"category {i + 1}",
                    kind="category",
                    parent_id=theme_ids[i % themes],
                )
            )
        leaf_ids = [uuid.uuid4() for _ in range(codes - themes - cats)]
        for i, lid in enumerate(leaf_ids):
            rows.append(
                dict(id=lid, name=f"code {i + 1}", kind="code", parent_id=cat_ids[i % cats])
            )
        for r in rows:
            r.update(
                definition=f"Synthetic definition of {r['name']}.",
                inclusion="", exclusion="", example="", color=None, is_core=False,
                origin="manual", retired=False, position=0, created_at=now,
                created_by=coder_ids[0], updated_at=now,
            )  # fmt: skip
        # Parents before children: themes, categories, codes are already in that order.
        s.execute(insert(Code), rows)
        docs = {d.id: d.text for d in s.scalars(select(Document))}
        sents = s.execute(select(Sentence.document_id, Sentence.start, Sentence.end)).all()
        coding_rows = []
        for _ in range(codings):
            did, st, en = sents[rng.randrange(len(sents))]
            code = leaf_ids[min(int(rng.expovariate(1 / 60)), len(leaf_ids) - 1)]
            coding_rows.append(
                dict(
                    id=uuid.uuid4(),
                    code_id=code,
                    document_id=did,
                    coder_id=coder_ids[rng.randrange(len(coder_ids))],
                    start=st,
                    end=en,
                    quote=docs[did][st:en],
                    origin="manual",
                    created_at=now,
                )
            )
        for i in range(0, len(coding_rows), 10_000):
            s.execute(insert(Coding), coding_rows[i : i + 10_000])
    return {"codes": len(rows), "codings": len(coding_rows)}
