"""What a memo can be linked to, as picker choices and readable labels.

Plain functions for the memos screen: the ``*_choices``/``*_labels`` readers call the
project (run them in a database worker); the rest only format what they are given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from qda.tui.modals.picker import Choice

DELETED = "(deleted)"  # the service's label for a link whose target is gone

# what the "Link…" picker offers, in this order ("coding" is linked from a transcript)
KINDS: tuple[Choice, ...] = (
    Choice("code", "Code", detail="a code, category or theme"),
    Choice("document", "Transcript", detail="a document"),
    Choice("participant", "Participant", detail="a person (case)"),
    Choice("relation", "Relation", detail="between two codes"),
    Choice("memo", "Memo", detail="another memo"),
)
KIND_NAMES = {
    "code": "code",
    "document": "transcript",
    "participant": "participant",
    "coding": "coded passage",
    "relation": "relation",
    "memo": "memo",
}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def memo_check(values: dict[str, str]) -> str | None:
    """The memo form's check: a memo needs a title."""
    if values["title"].strip():
        return None
    if values.get("text", "").strip():
        return "A memo needs a title (Escape cancels)."
    return "The memo is empty: write a title and the memo (Escape cancels)."


def relation_label(rel: Any) -> str:
    """``source —type→ target`` for a :class:`RelationInfo`."""
    return f"{rel.source} —{rel.type}→ {rel.target}"


def _document_label(doc: Any) -> str:
    return f"{doc.name} ({doc.participant})" if _unless(doc.participant, doc.name) else doc.name


def _unless(text: str | None, same_as: str) -> str:
    """``text``, or "" when it only repeats ``same_as`` (transcript P01 of participant P01)."""
    return "" if not text or text == same_as else text


def _transcripts(name: str, documents: list[str]) -> str:
    if not documents:
        return "no transcript"
    if documents == [name]:
        return ""
    return ", ".join(documents)


def target_choices(project: Any, kind: str, memo: Any) -> list[Choice]:
    """What ``memo`` can be linked to of ``kind`` (leaving out what it already links to
    and the memo itself).  Reads the project: call it in a worker."""
    linked = {link["id"] for link in memo.links if link["kind"] == kind}
    choices: list[Choice]
    if kind == "code":
        choices = [Choice(c.id, c.path, color=c.color) for c in project.codes()]
    elif kind == "document":
        choices = [
            Choice(d.id, d.name, search=_document_label(d), detail=_unless(d.participant, d.name))
            for d in project.documents()
        ]
    elif kind == "participant":
        choices = [
            Choice(p["id"], p["name"], detail=_transcripts(p["name"], p["documents"]))
            for p in project.participants()
        ]
    elif kind == "relation":
        choices = [Choice(r.id, relation_label(r), detail=r.note) for r in project.relations()]
    elif kind == "memo":
        choices = [Choice(m.id, m.title, detail=m.type) for m in project.memos() if m.id != memo.id]
    else:
        raise ValueError(f"cannot pick a {kind} here")
    return [c for c in choices if c.id not in linked]


def link_labels(project: Any, memos: Iterable[Any]) -> dict[tuple[str, str], str]:
    """Better labels than the service's for some links: relations as
    ``source —type→ target``, transcripts with their participant.  Reads the project
    (only for the kinds the memos link to): call it in a worker."""
    kinds = {link["kind"] for m in memos for link in m.links}
    out: dict[tuple[str, str], str] = {}
    if "relation" in kinds:
        out.update({("relation", r.id): relation_label(r) for r in project.relations()})
    if "document" in kinds:
        out.update({("document", d.id): _document_label(d) for d in project.documents()})
    return out


def label(link: dict[str, str], labels: dict[tuple[str, str], str]) -> str:
    return labels.get((link["kind"], link["id"]), link["label"])


def link_choices(memo: Any, labels: dict[tuple[str, str], str]) -> list[Choice]:
    """The memo's links as choices; the chosen id is ``kind:id`` (see :func:`split`)."""
    return [
        Choice(
            f"{link['kind']}:{link['id']}",
            label(link, labels),
            search=f"{KIND_NAMES[link['kind']]} {label(link, labels)}",
            detail=KIND_NAMES[link["kind"]],
        )
        for link in memo.links
    ]


def split(choice_id: str) -> tuple[str, str]:
    kind, _, target = choice_id.partition(":")
    return kind, target


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def links_markdown(memo: Any, labels: dict[tuple[str, str], str]) -> str:
    """The "Linked to" part of the memo view."""
    if not memo.links:
        return "Linked to nothing yet: press **l** to link it."
    rows = [
        f"- *{KIND_NAMES[link['kind']]}* {md_escape(label(link, labels))}"
        for link in sorted(memo.links, key=lambda x: (x["kind"], label(x, labels)))
    ]
    return "**Linked to**\n\n" + "\n".join(rows)


def participant_documents(project: Any, participant_id: str) -> tuple[str, list[Any]]:
    """The participant's name and transcripts (in project order; empty if none)."""
    people = {p["id"]: p["name"] for p in project.participants()}
    name = people.get(participant_id, DELETED)
    return name, [d for d in project.documents() if d.participant == name]


def relation_source(project: Any, relation_id: str) -> str | None:
    """The source code id of a relation (None if it is gone)."""
    return next((r.source_id for r in project.relations() if r.id == relation_id), None)
