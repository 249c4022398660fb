"""The domain as SQLAlchemy 2 typed models.

Conventions (see README "Data model"):

* Rows that can travel between projects (coder, participant, attribute, document,
  code, coding, relation, memo, memo link, suggestion, event) have a UUID primary key
  made at birth.  Derived rows (turns, sentences) have integer keys.
* ``Document.text`` is the normalised text (BOM stripped, ``\\n`` line ends, NFC);
  offsets everywhere are zero-based, end-exclusive Python ``str`` indices into it.
* Every change records who (a coder) and when (UTC).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from qda.db.types import UTCDateTime, new_id, utcnow

CODE_KINDS = ("code", "category", "theme")
CODE_ORIGINS = ("manual", "invivo", "imported", "suggestion")
MEMO_TYPES = ("code note", "theoretical note", "operational note", "free")
LINK_KINDS = ("document", "participant", "code", "coding", "relation", "memo")
ATTRIBUTE_TYPES = ("number", "text", "date")
SUGGESTION_STATUSES = ("pending", "accepted", "rejected")


class Base(DeclarativeBase):
    pass


class ProjectInfo(Base):
    """Key/value facts about the project (name, created, qda version that created it)."""

    __tablename__ = "project_info"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Coder(Base):
    __tablename__ = "coders"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Participant(Base):
    """A case: the person a document belongs to."""

    __tablename__ = "participants"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    values: Mapped[list[AttributeValue]] = relationship(
        back_populates="participant", cascade="all, delete-orphan"
    )


class Attribute(Base):
    """A typed participant attribute (a REFI-QDA variable): number, text or date."""

    __tablename__ = "attributes"
    __table_args__ = (
        CheckConstraint("type IN ('number', 'text', 'date')", name="ck_attribute_type"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttributeValue(Base):
    __tablename__ = "attribute_values"
    participant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    attribute_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("attributes.id", ondelete="CASCADE"), primary_key=True
    )
    text_value: Mapped[str | None] = mapped_column(Text)
    number_value: Mapped[float | None] = mapped_column(Float)
    date_value: Mapped[date | None] = mapped_column(Date)
    participant: Mapped[Participant] = relationship(back_populates="values")
    attribute: Mapped[Attribute] = relationship()


class Document(Base):
    """A transcript.  ``text`` never changes after import."""

    __tablename__ = "documents"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(300), index=True)
    participant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    char_count: Mapped[int] = mapped_column(Integer)
    word_count: Mapped[int] = mapped_column(Integer)
    source_path: Mapped[str | None] = mapped_column(Text)
    source_format: Mapped[str] = mapped_column(String(16))
    encoding: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coders.id"))
    participant: Mapped[Participant | None] = relationship()


class Turn(Base):
    """A speaker turn: ``[start, end)`` covers label and body; ``body_start`` skips the label."""

    __tablename__ = "turns"
    __table_args__ = (Index("ix_turns_doc_start", "document_id", "start"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    body_start: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str | None] = mapped_column(String(200))
    is_interviewer: Mapped[bool] = mapped_column(Boolean, default=False)
    start_ms: Mapped[int | None] = mapped_column(Integer)
    end_ms: Mapped[int | None] = mapped_column(Integer)


class Sentence(Base):
    __tablename__ = "sentences"
    __table_args__ = (Index("ix_sentences_doc_start", "document_id", "start"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    turn_idx: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)


class Code(Base):
    """A node of the code tree: a code, a category or a theme."""

    __tablename__ = "codes"
    __table_args__ = (
        CheckConstraint("kind IN ('code', 'category', 'theme')", name="ck_code_kind"),
        Index("ix_codes_parent", "parent_id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16), default="code")
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("codes.id", ondelete="RESTRICT"))
    definition: Mapped[str] = mapped_column(Text, default="")
    inclusion: Mapped[str] = mapped_column(Text, default="")
    exclusion: Mapped[str] = mapped_column(Text, default="")
    example: Mapped[str] = mapped_column(Text, default="")
    color: Mapped[str | None] = mapped_column(String(16))
    is_core: Mapped[bool] = mapped_column(Boolean, default=False)
    origin: Mapped[str] = mapped_column(String(16), default="manual")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coders.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Coding(Base):
    """A code applied to ``[start, end)`` of a document by a coder."""

    __tablename__ = "codings"
    __table_args__ = (
        CheckConstraint('start >= 0 AND start < "end"', name="ck_coding_span"),
        Index("ix_codings_code", "code_id", "document_id"),  # covers per-code counts
        Index("ix_codings_doc_start", "document_id", "start"),
        Index("ix_codings_coder", "coder_id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("codes.id", ondelete="RESTRICT"))
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    coder_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("coders.id"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(16), default="manual")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Relation(Base):
    """A typed relation between two codes (axial coding)."""

    __tablename__ = "relations"
    __table_args__ = (
        CheckConstraint("source_id <> target_id", name="ck_relation_not_self"),
        Index("ix_relations_source", "source_id"),
        Index("ix_relations_target", "target_id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(100))
    target_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text, default="")
    coder_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coders.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Memo(Base):
    __tablename__ = "memos"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(32), default="free")
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coders.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemoLink(Base):
    """A memo's link to a document, participant, code, coding, relation or memo."""

    __tablename__ = "memo_links"
    __table_args__ = (
        UniqueConstraint("memo_id", "target_kind", "target_id", name="uq_memo_link"),
        Index("ix_memo_links_target", "target_kind", "target_id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    memo_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("memos.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class Suggestion(Base):
    """A machine suggestion; it becomes a coding only when a person accepts it."""

    __tablename__ = "suggestions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'accepted', 'rejected')", name="ck_suggestion_status"
        ),
        Index("ix_suggestions_code_status", "code_id", "status"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16), default="sentence")
    method: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    terms: Mapped[str] = mapped_column(Text, default="[]")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coders.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    coding_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("codings.id", ondelete="SET NULL")
    )


class SuggestionRule(Base):
    """An autocoding rule of a code (terms, "only together with" terms, token patterns,
    all JSON lists); its hits go to the review queue as suggestions, never to codings."""

    __tablename__ = "suggestion_rules"
    __table_args__ = (Index("ix_suggestion_rules_code", "code_id"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    terms: Mapped[str] = mapped_column(Text, default="[]")
    with_terms: Mapped[str] = mapped_column(Text, default="[]")
    patterns: Mapped[str] = mapped_column(Text, default="[]")
    unit: Mapped[str] = mapped_column(String(16), default="sentence")
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coders.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(Base):
    """The append-only audit trail: who did what, when, with before and after (JSON)."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_at", "at"), Index("ix_events_entity", "entity_id"))
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    coder_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coders.id"))
    action: Mapped[str] = mapped_column(String(64))
    entity_kind: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class UndoStep(Base):
    """One undoable action of one coder: the exact row changes it made (JSON), so it can
    be inverted (undo) and replayed (redo).  A coder's ``undone`` steps are the redo stack;
    a new action clears them.  Local to a project: undo history does not travel."""

    __tablename__ = "undo_steps"
    __table_args__ = (
        CheckConstraint("state IN ('done', 'undone')", name="ck_undo_state"),
        Index("ix_undo_steps_coder_state", "coder_id", "state", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    coder_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("coders.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(8), default="done")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
