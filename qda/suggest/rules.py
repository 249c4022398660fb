"""Autocoding rules: keyword and pattern rules per code, whose hits go to review.

A rule has *terms* (phrases matched on lemmas by spaCy's ``PhraseMatcher``, so
"listen to" also finds "listened to"), optional *with* terms (a hit counts only when
one of them occurs in the same sentence or turn: "only together with"), and optional
token *patterns* for spaCy's ``Matcher`` (JSON, e.g. ``[{"LEMMA": "take"},
{"LOWER": "seriously"}]``).  Hits become pending suggestions (method ``rule``) in
the review queue, never codings; units already coded with the code, or rejected for
it, are left out.

Matching runs the offline pipeline (a lookup lemmatizer on lower-cased text), or the
configured trained pipeline when a pattern asks for POS, TAG, DEP or MORPH.  The
lemma index narrows term rules to the units that contain every content word of a
term before spaCy looks at them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import select

from qda.common import get_or_create_coder, record_event
from qda.db.engine import Store
from qda.db.models import Coder, SuggestionRule
from qda.db.types import utcnow
from qda.errors import InvalidInputError, NotFoundError
from qda.nlp.pipeline import configured_model, get_pipeline
from qda.suggest import index as index_mod
from qda.suggest import ranking
from qda.suggest.queue import (
    _rows_by_id,
    code_path,
    infos,
    resolve_code,
    store_candidates,
    texts_loader,
)
from qda.suggest.text import _lower_keep_length, lemmatizer
from qda.suggest.types import RuleInfo, SuggestionInfo

METHOD = "rule"
_SYNTAX_ATTRS = {"POS", "TAG", "DEP", "MORPH"}
MAX_TERMS = 200


def _clean_terms(terms: Sequence[str] | None) -> list[str]:
    out: list[str] = []
    for t in terms or []:
        for part in str(t).split(","):
            clean = " ".join(part.split())
            if clean and clean.lower() not in (x.lower() for x in out):
                out.append(clean)
    if len(out) > MAX_TERMS:
        raise InvalidInputError(f"at most {MAX_TERMS} terms per rule")
    return out


def _check_patterns(patterns: Sequence[Any] | None) -> list[list[dict[str, Any]]]:
    out: list[list[dict[str, Any]]] = []
    for p in patterns or []:
        try:
            pat = json.loads(p) if isinstance(p, str) else p
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"a pattern is not valid JSON ({exc.msg}): {p}") from exc
        if isinstance(pat, dict):
            pat = [pat]
        if not isinstance(pat, list) or not pat or not all(isinstance(t, dict) for t in pat):
            raise InvalidInputError(
                "a pattern is a JSON list of token objects, e.g. "
                '[{"LEMMA": "take"}, {"LOWER": "seriously"}]'
            )
        out.append(pat)
    if out:
        from spacy.matcher import Matcher

        nlp = get_pipeline(with_lemmas=True, model="")
        m = Matcher(nlp.vocab, validate=True)
        for i, pat in enumerate(out):
            try:
                m.add(f"p{i}", [pat])
            except Exception as exc:  # spaCy's own message says what is wrong
                raise InvalidInputError(f"bad pattern {json.dumps(pat)}: {exc}") from exc
    return out


def _rule_info(s: Any, r: SuggestionRule) -> RuleInfo:
    who = s.get(Coder, r.created_by) if r.created_by else None
    return RuleInfo(
        id=str(r.id),
        code_id=str(r.code_id),
        code=code_path(s, r.code_id),
        terms=list(json.loads(r.terms)),
        with_terms=list(json.loads(r.with_terms)),
        patterns=list(json.loads(r.patterns)),
        unit=r.unit,
        created_by=who.name if who else None,
        created_at=r.created_at.isoformat(),
    )


def add_rule(
    store: Store,
    coder: str,
    code_ref: str,
    *,
    terms: Sequence[str] | None = None,
    with_terms: Sequence[str] | None = None,
    patterns: Sequence[Any] | None = None,
    unit: str = "sentence",
) -> RuleInfo:
    """Save an autocoding rule for a code."""
    t, w, p = _clean_terms(terms), _clean_terms(with_terms), _check_patterns(patterns)
    if not t and not p:
        raise InvalidInputError("a rule needs --terms or --pattern")
    if unit not in index_mod.UNITS:
        raise InvalidInputError(f"unknown unit {unit!r}: use sentence or turn")
    with store.write() as s:
        who = get_or_create_coder(s, coder)
        code = resolve_code(s, code_ref)
        row = SuggestionRule(
            id=uuid.uuid4(),
            code_id=code.id,
            terms=json.dumps(t, ensure_ascii=False),
            with_terms=json.dumps(w, ensure_ascii=False),
            patterns=json.dumps(p, ensure_ascii=False),
            unit=unit,
            created_by=who.id,
            created_at=utcnow(),
        )
        s.add(row)
        s.flush()
        info = _rule_info(s, row)
        record_event(
            s,
            coder=who,
            action="add rule",
            entity_kind="suggestion_rule",
            entity_id=row.id,
            summary=f"autocoding rule for {info.code!r}",
            after=info.to_dict(),
        )
        return info


def list_rules(store: Store, code_ref: str | None = None) -> list[RuleInfo]:
    with store.read() as s:
        q = select(SuggestionRule).order_by(SuggestionRule.created_at)
        if code_ref is not None:
            q = q.where(SuggestionRule.code_id == resolve_code(s, code_ref).id)
        return [_rule_info(s, r) for r in s.scalars(q)]


def delete_rule(store: Store, coder: str, rule_id: str) -> RuleInfo:
    with store.write() as s:
        who = get_or_create_coder(s, coder)
        rows = [r for r in s.scalars(select(SuggestionRule)) if str(r.id).startswith(rule_id)]
        if len(rows) != 1:
            raise NotFoundError(f"no single autocoding rule {rule_id!r}")
        info = _rule_info(s, rows[0])
        s.delete(rows[0])
        record_event(
            s,
            coder=who,
            action="delete rule",
            entity_kind="suggestion_rule",
            entity_id=rows[0].id,
            summary=f"autocoding rule for {info.code!r}",
            before=info.to_dict(),
        )
        return info


# -- matching ---------------------------------------------------------------------------


def _candidate_units(idx: index_mod.UnitIndex, phrases: list[str]) -> np.ndarray | None:
    """Units containing every content lemma of at least one phrase; None = look at all."""
    lem = lemmatizer()
    hit = np.zeros(idx.n_units, dtype=np.bool_)
    for ph in phrases:
        lemmas = set(lem.lemmas(ph))
        if not lemmas:
            return None  # only stop words: the index cannot narrow it
        units: np.ndarray | None = None
        for lm in lemmas:
            t = idx.term_ids.get(lm)
            if t is None:
                units = np.zeros(0, dtype=np.int32)
                break
            post = idx.p_unit[int(idx.p_ptr[t]) : int(idx.p_ptr[t + 1])]
            units = post if units is None else np.intersect1d(units, post, assume_unique=True)
        if units is not None and len(units):
            hit[units] = True
    return np.flatnonzero(hit)


def run_rule(
    idx: index_mod.UnitIndex,
    fb: ranking.Feedback,
    texts: dict[str, str],
    rule: RuleInfo,
    *,
    include_interviewer: bool = False,
) -> list[tuple[str, int, int, float, list[str]]]:
    """Hits of one rule: ``(doc id, start, end, score, matched terms)`` per unit."""
    from spacy.matcher import Matcher, PhraseMatcher

    syntax = any(k.upper() in _SYNTAX_ATTRS for pat in rule.patterns for t in pat for k in t)
    nlp = get_pipeline(with_lemmas=True, model=(configured_model() or "") if syntax else "")
    terms = rule.terms
    with_terms = rule.with_terms
    pm = PhraseMatcher(nlp.vocab, attr="LEMMA")
    for i, t in enumerate(terms):
        pm.add(f"t{i}", [nlp(_lower_keep_length(t))])
    wm = PhraseMatcher(nlp.vocab, attr="LEMMA")
    for i, t in enumerate(with_terms):
        wm.add(f"w{i}", [nlp(_lower_keep_length(t))])
    mm = Matcher(nlp.vocab)
    for i, pat in enumerate(rule.patterns):
        mm.add(f"p{i}", [pat])

    if rule.patterns:
        units = np.arange(idx.n_units)
    else:
        narrowed = _candidate_units(idx, terms)
        units = np.arange(idx.n_units) if narrowed is None else narrowed
        if with_terms and narrowed is not None:
            near = _candidate_units(idx, with_terms)
            if near is not None:
                units = np.intersect1d(units, near)
    if not include_interviewer:
        units = units[~idx.u_interviewer[units]]
    keep = []
    for u in units.tolist():
        did = idx.doc_ids[int(idx.u_doc[u])]
        st, en = int(idx.u_start[u]), int(idx.u_end[u])
        if fb.coded.overlaps(did, st, en) or fb.rejected_spans.overlaps(did, st, en):
            continue
        keep.append((did, st, en))
    sources = (_lower_keep_length(texts[d][a:b]) for d, a, b in keep)
    out = []
    for (did, st, en), doc in zip(keep, nlp.pipe(sources, batch_size=256), strict=True):
        matched: list[str] = []
        for mid, _a, _b in pm(doc) if terms else ():
            name = terms[int(nlp.vocab.strings[mid][1:])]
            if name not in matched:
                matched.append(name)
        for mid, _a, _b in mm(doc) if rule.patterns else ():
            name = f"pattern {int(nlp.vocab.strings[mid][1:]) + 1}"
            if name not in matched:
                matched.append(name)
        if not matched:
            continue
        if with_terms:
            also = sorted({with_terms[int(nlp.vocab.strings[m][1:])] for m, _, _ in wm(doc)})
            if not also:
                continue
            matched += [f"with {w}" for w in also]
        out.append((did, st, en, float(len(matched)), matched))
    return out


def autocode(
    store: Store,
    coder: str,
    code_ref: str,
    *,
    terms: Sequence[str] | None = None,
    with_terms: Sequence[str] | None = None,
    patterns: Sequence[Any] | None = None,
    unit: str = "sentence",
    save: bool = True,
    include_interviewer: bool = False,
) -> list[SuggestionInfo]:
    """Run a new rule (saved unless ``save=False``), or the code's saved rules; the hits
    become pending suggestions.  Returns them, best first."""
    if terms or patterns:
        if save:
            rules = [
                add_rule(
                    store, coder, code_ref, terms=terms, with_terms=with_terms,
                    patterns=patterns, unit=unit,
                )
            ]  # fmt: skip
        else:
            t, w, p = _clean_terms(terms), _clean_terms(with_terms), _check_patterns(patterns)
            with store.read() as s:
                code = resolve_code(s, code_ref)
                cpath = code_path(s, code.id)
            rules = [
                RuleInfo(
                    id="", code_id=str(code.id), code=cpath, terms=t, with_terms=w,
                    patterns=p, unit=unit, created_by=coder, created_at="",
                )
            ]  # fmt: skip
    else:
        if with_terms:
            raise InvalidInputError("--with needs --terms")
        rules = list_rules(store, code_ref)
        if not rules:
            raise InvalidInputError(
                f"{code_ref!r} has no autocoding rules; give --terms or --pattern"
            )
    with store.read() as s:
        code = resolve_code(s, code_ref)
        fb = ranking.load_feedback(s, code.id)
    hits: dict[tuple[str, int, int], tuple[str, int, int, float, list[str]]] = {}
    units_of: dict[tuple[str, int, int], str] = {}
    for rule in rules:
        idx = index_mod.get_index(store, rule.unit)
        docs = texts_loader(store)(idx.doc_ids)
        for h in run_rule(idx, fb, docs, rule, include_interviewer=include_interviewer):
            k = h[:3]
            if k in hits:
                old = hits[k]
                merged = old[4] + [m for m in h[4] if m not in old[4]]
                hits[k] = (*k, float(len(merged)), merged)
            else:
                hits[k] = h
                units_of[k] = rule.unit
    ordered = sorted(hits.values(), key=lambda h: (-h[3], h[0], h[1]))
    with store.write() as s:
        who = get_or_create_coder(s, coder)
        ids: list[uuid.UUID] = []
        for u in index_mod.UNITS:
            part = [h for h in ordered if units_of[h[:3]] == u]
            if part:
                ids += store_candidates(
                    s, code.id, part, unit=u, method=METHOD, replace_stale=False
                )
        record_event(
            s,
            coder=who,
            action="autocode",
            entity_kind="code",
            entity_id=code.id,
            summary=f"{len(ids)} rule hits for review",
            after={"rules": [r.id for r in rules if r.id], "suggestions": [str(i) for i in ids]},
        )
        rows = _rows_by_id(s, ids)
        found = infos(s, [rows[i] for i in ids if i in rows])
    return sorted(found, key=lambda i: (-i.score, i.document, i.start))
