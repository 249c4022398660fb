"""Accepting suggestions through the coding engine: one transaction, one undo step.

Each accepted suggestion becomes a coding made by the coding engine's own insert
(``origin="suggestion"``, coder = the person accepting), and the suggestion's status,
reviewer, time and coding are set through the same undo journal, so ``qda undo``
removes the coding *and* puts the suggestion back to pending.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from qda.coding.codes import SUGGESTIONS
from qda.coding.codings import _insert_coding
from qda.coding.views import action, coding_info
from qda.common import record_event
from qda.db.engine import Store
from qda.db.models import Coding, Document, Suggestion
from qda.db.types import utcnow
from qda.errors import InvalidInputError
from qda.suggest.types import SuggestionInfo
from qda.wording import plural

ORIGIN = "suggestion"


def accept(store: Store, coder: str, refs: Sequence[str]) -> list[SuggestionInfo]:
    from qda.suggest.queue import _unique_rows, infos

    with action(store, coder, "accept") as a:
        rows = _unique_rows(a.s, refs)
        now = utcnow()
        made = 0
        for r in rows:
            if (
                r.status == "accepted"
                and r.coding_id is not None
                and a.s.get(Coding, r.coding_id) is not None
            ):
                continue  # already a coding: accepting again changes nothing
            node = a.tree.node(r.code_id)
            if node.retired:
                raise InvalidInputError(
                    f"{a.tree.path(r.code_id)!r} is retired; unretire it to accept its suggestions"
                )
            doc = a.s.get(Document, r.document_id)
            assert doc is not None  # suggestions are deleted with their document
            same = a.s.scalar(
                select(Coding.id).where(
                    Coding.code_id == r.code_id,
                    Coding.document_id == r.document_id,
                    Coding.start == r.start,
                    Coding.end == r.end,
                    Coding.coder_id == a.coder.id,
                )
            )
            cid: uuid.UUID = (
                same
                if same is not None
                else _insert_coding(a, r.code_id, doc, r.start, r.end, ORIGIN)
            )
            before = {"status": r.status}
            a.journal.update(
                SUGGESTIONS,
                r.id,
                {"status": "accepted", "reviewed_by": a.coder.id, "reviewed_at": now,
                 "coding_id": cid},
            )  # fmt: skip
            info = coding_info(a.s, a.tree, cid)
            if same is None:
                record_event(
                    a.s, coder=a.coder, action="apply", entity_kind="coding", entity_id=cid,
                    summary=f"code {doc.name} {r.start}-{r.end} as {info.code_path!r} "
                    "(accepted suggestion)",
                    after={"code_id": info.code_id, "code": info.code_path,
                           "document_id": info.document_id, "document": info.document,
                           "start": info.start, "end": info.end, "quote": info.quote,
                           "origin": info.origin, "suggestion": str(r.id)},
                )  # fmt: skip
            record_event(
                a.s, coder=a.coder, action="accept suggestion", entity_kind="suggestion",
                entity_id=r.id, summary=f"accepted a suggestion for {info.code_path!r}",
                before=before, after={"status": "accepted", "coding_id": str(cid)},
            )  # fmt: skip
            made += 1
        a.summary = f"accept {plural(made, 'suggestion')}"
        a.s.expire_all()
        return infos(a.s, [a.s.get(Suggestion, r.id) or r for r in rows])
