"""Plan a merge: decide, row by row, what of another project is new to this one.

Planning reads the destination once into an :class:`Index` (ids and matching keys,
no texts) and then walks the other project's checked rows (:mod:`qda.team.snapshot`):

* coders by name (case- and space-insensitive);
* participants by UUID, else name; attributes by UUID, else name; an attribute value
  that differs keeps the destination's and records the other's in a memo;
* documents by UUID, else by SHA-256 of the text; the same name with another text
  keeps both (the newcomer gets a ``(2)`` name) and is reported;
* codes by UUID, else by tree path (:func:`qda.team.matching.path_key`); a second,
  different definition is kept in a code note (an empty one is filled in);
* codings are a union: by UUID, else dropped when an exact duplicate (same document,
  code, coder and span) exists; relations, memos, memo links and events come along.

Rows the merge itself makes (conflict memos, renamed ids) get UUIDs derived from what
they record (``uuid5``), so merging the same file again finds them and adds nothing.
The :class:`Index` is updated as rows are planned, so several projects merged in one
run see each other's rows, and a dry run of several is exact without writing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from qda.team.matching import NamedCode, norm, review_pairs
from qda.team.merge_index import (
    DEFINITION_FIELDS,
    Id,
    Index,
    Plan,
    SourceReport,
    deleted_here,
    derived_id,
    digest,
    existing_events,
)
from qda.team.rawio import dashed
from qda.team.snapshot import Snapshot


class Planner:
    """Plans the merge of one snapshot into the destination described by ``ix``."""

    def __init__(self, ix: Index, snap: Snapshot, existing_events: set[Id], deleted_here: set[Id]):
        self.ix = ix
        self.snap = snap
        self.existing_events = existing_events
        self.deleted_here = deleted_here
        self.plan = Plan(SourceReport(id=snap.target, name=snap.name))
        self.rep = self.plan.report
        self.idmap: dict[Id, Id] = {}  # other id -> dest id, where they differ
        self.coders: dict[Id, Id] = {}
        self.participants: dict[Id, Id] = {}
        self.attributes: dict[Id, Id] = {}
        self.docs: dict[Id, Id] = {}
        self.codes: dict[Id, Id] = {}
        self.codings: dict[Id, Id] = {}
        self.relations: dict[Id, Id] = {}
        self.memos: dict[Id, Id] = {}
        self.memo_versions: dict[Id, Id] = {}
        self.matched: Counter[str] = Counter()
        self.added: Counter[str] = Counter()
        self.dupes: Counter[str] = Counter()
        self.removed_here = 0

    # -- helpers -----------------------------------------------------------------
    def _map(self, pool: dict[Id, Id], other: Id, dest: Id) -> None:
        pool[other] = dest
        if other != dest:
            self.idmap[other] = dest

    def _add(self, table: str, row: dict[str, Any]) -> None:
        self.plan.inserts[table].append(row)
        self.added[table] += 1

    def _conflict(self, kind: str, id_: Id | None, message: str) -> None:
        self.rep.conflicts.append({"id": dashed(id_), "kind": kind, "message": message})

    def _memo(self, memo_id: Id, type_: str, title: str, body: str, link: tuple[str, Id]) -> None:
        """A memo the merge writes (recording a conflict), unless it is there already."""
        if memo_id in self.ix.memos:
            return
        row = {
            "id": memo_id,
            "type": type_,
            "title": title[:500],
            "body": body,
            "author_id": None,
            "created_at": None,
            "updated_at": None,
        }
        self._add("memos", row)
        self.plan.made_memos.append(row)
        self.ix.memos[memo_id] = (title[:500], body)
        self._link(memo_id, link[0], link[1], derived_id("link", memo_id, *link))

    def _link(self, memo: Id, kind: str, target: Id, link_id: Id) -> None:
        key = (memo, kind, target)
        if key in self.ix.link_keys:
            return
        if link_id in self.ix.link_ids:
            link_id = derived_id("link", memo, kind, target)
        row = {"id": link_id, "memo_id": memo, "target_kind": kind, "target_id": target}
        self._add("memo_links", row)
        self.ix.link_keys.add(key)
        self.ix.link_ids.add(link_id)

    # -- the steps -----------------------------------------------------------------
    def run(self) -> Plan:
        rows = self.snap.rows
        self._coders(rows["coders"])
        self._participants(rows["participants"])
        self._attributes(rows["attributes"], rows["attribute_values"])
        self._documents(rows["documents"])
        self._codes(rows["codes"])
        self._codings(rows["codings"])
        self._relations(rows["relations"])
        self._memos(rows["memos"], rows["memo_links"])
        self._events(rows["events"])
        self.rep.matched = dict(self.matched)
        self.rep.added = {k: v for k, v in self.added.items() if v}
        self.rep.duplicates = {k: v for k, v in self.dupes.items() if v}
        if self.snap.suggestions:
            self.rep.not_merged["suggestions"] = self.snap.suggestions
        if self.removed_here:
            self.rep.not_merged["codings removed in this project"] = self.removed_here
        return self.plan

    def _coders(self, rows: list[dict[str, Any]]) -> None:
        ix = self.ix
        for c in rows:
            key = norm(c["name"])
            if key in ix.coder_by_name:
                self._map(self.coders, c["id"], ix.coder_by_name[key])
                self.matched["coders"] += 1
                continue
            cid = c["id"] if c["id"] not in ix.coder_ids else derived_id("coder", c["id"], key)
            name = " ".join(c["name"].split())
            self._add("coders", {**c, "id": cid, "name": name})
            self._map(self.coders, c["id"], cid)
            ix.coder_by_name[key] = cid
            ix.coder_ids.add(cid)
            self.rep.added_coders.append({"id": dashed(cid), "name": name})

    def _participants(self, rows: list[dict[str, Any]]) -> None:
        ix = self.ix
        for p in rows:
            if p["id"] in ix.participants:
                self._map(self.participants, p["id"], p["id"])
                self.matched["participants"] += 1
                if norm(ix.participants[p["id"]]) != norm(p["name"]):
                    self._conflict(
                        "participant",
                        p["id"],
                        f"participant {ix.participants[p['id']]!r} is called {p['name']!r} "
                        f"in {self.snap.name}; kept {ix.participants[p['id']]!r}",
                    )
                continue
            key = norm(p["name"])
            if key in ix.participant_by_name:
                self._map(self.participants, p["id"], ix.participant_by_name[key])
                self.matched["participants"] += 1
                continue
            self._add("participants", dict(p))
            self._map(self.participants, p["id"], p["id"])
            ix.participants[p["id"]] = p["name"]
            ix.participant_by_name[key] = p["id"]

    def _attributes(self, attrs: list[dict[str, Any]], values: list[dict[str, Any]]) -> None:
        ix = self.ix
        other_types = {a["id"]: a["type"] for a in attrs}
        for a in attrs:
            dest = a["id"] if a["id"] in ix.attributes else None
            dest = dest or ix.attribute_by_name.get(norm(a["name"]))
            if dest is None:
                self._add("attributes", dict(a))
                ix.attributes[a["id"]] = (a["name"], a["type"])
                ix.attribute_by_name[norm(a["name"])] = a["id"]
                dest = a["id"]
            else:
                self.matched["attributes"] += 1
                name, type_ = ix.attributes[dest]
                if type_ != a["type"]:
                    self._conflict(
                        "attribute",
                        dest,
                        f"attribute {name!r} is a {type_} here and a {a['type']} in "
                        f"{self.snap.name}; kept {type_}",
                    )
            self._map(self.attributes, a["id"], dest)
        for v in values:
            pid = self.participants[v["participant_id"]]
            aid = self.attributes[v["attribute_id"]]
            new = (v["text_value"], v["number_value"], v["date_value"])
            same_type = ix.attributes[aid][1] == other_types[v["attribute_id"]]
            old = ix.values.get((pid, aid))
            if old is None and same_type:
                self._add("attribute_values", {**v, "participant_id": pid, "attribute_id": aid})
                ix.values[(pid, aid)] = new
                continue
            if old == new:
                self.matched["attribute_values"] += 1
                continue
            shown_new = _shown(new)
            pname, aname = ix.participants[pid], ix.attributes[aid][0]
            self._conflict(
                "attribute value",
                pid,
                f"{aname} of {pname} is {_shown(old) if old else 'unset'} here and "
                f"{shown_new} in {self.snap.name}; kept this project's, the other is in a memo",
            )
            self._memo(
                derived_id("attribute", pid, aid, shown_new),
                "operational note",
                f"Merge: {aname} of {pname} was {shown_new} in {self.snap.name}",
                f"Merging {self.snap.name} ({self.snap.target}) found another value for "
                f"{aname} of participant {pname}: {shown_new}. This project kept "
                f"{_shown(old) if old else 'its own (unset)'}.",
                ("participant", pid),
            )

    def _documents(self, rows: list[dict[str, Any]]) -> None:
        ix = self.ix
        new_other: list[Id] = []
        for d in sorted(rows, key=lambda r: (r["position"], r["name"])):
            sha = d["sha256"]
            dest: Id | None = None
            if d["id"] in ix.docs:
                if ix.docs[d["id"]][0] == sha:
                    dest = d["id"]
                else:
                    self._conflict(
                        "document",
                        d["id"],
                        f"document {d['name']!r} has the same id as {ix.docs[d['id']][1]!r} "
                        "but another text; both kept",
                    )
            if dest is None and sha in ix.doc_by_sha:
                dest = ix.doc_by_sha[sha]
            if dest is not None:
                self._map(self.docs, d["id"], dest)
                self.matched["documents"] += 1
                continue
            did = d["id"] if d["id"] not in ix.docs else derived_id("document", d["id"], sha)
            name = d["name"]
            if norm(name) in ix.doc_names:
                n = 2
                while norm(f"{name} ({n})") in ix.doc_names:
                    n += 1
                self._conflict(
                    "document",
                    did,
                    f"a document called {name!r} with another text is here already; "
                    f"kept both, the one from {self.snap.name} as {name} ({n})",
                )
                name = f"{name} ({n})"
            ix.max_position += 1
            row = {
                **d,
                "id": did,
                "name": name,
                "participant_id": self.participants.get(d["participant_id"])
                if d["participant_id"]
                else None,
                "imported_by": self.coders.get(d["imported_by"]) if d["imported_by"] else None,
                "position": ix.max_position,
            }
            self._add("documents", row)
            self._map(self.docs, d["id"], did)
            ix.docs[did] = (sha, name)
            ix.doc_by_sha[sha] = did
            ix.doc_names.add(norm(name))
            self.plan.new_docs.append(did)
            self.rep.added_documents.append({"id": dashed(did), "name": name})
            new_other.append(d["id"])
        for kind in ("turns", "sentences"):
            for r in self.snap.details(kind, new_other) if new_other else []:
                row = {k: v for k, v in r.items() if k != "id"}
                row["document_id"] = self.docs[r["document_id"]]
                self._add(kind, row)

    def _codes(self, rows: list[dict[str, Any]]) -> None:
        ix = self.ix
        by_id = {c["id"]: c for c in rows}

        def depth(c: dict[str, Any]) -> int:
            n, cur = 0, c["parent_id"]
            while cur is not None:
                n, cur = n + 1, by_id[cur]["parent_id"]
            return n

        before = [
            NamedCode(dashed(cid), ix.code_path(cid), info["name"])
            for cid, info in ix.codes.items()
        ]
        incoming: list[NamedCode] = []
        other_path: dict[Id, str] = {}
        for c in sorted(rows, key=lambda c: (depth(c), c["position"], c["name"])):
            parent = self.codes[c["parent_id"]] if c["parent_id"] is not None else None
            other_path[c["id"]] = (
                f"{other_path[c['parent_id']]}/{c['name']}" if c["parent_id"] else c["name"]
            )
            how = ""
            if c["id"] in ix.codes:
                dest, how = c["id"], "id"
            else:
                found = ix.code_by_key.get((parent, norm(c["name"])))
                dest, how = (found, "path") if found is not None else (c["id"], "")
            if how:
                self._map(self.codes, c["id"], dest)
                self.matched["codes"] += 1
                self.rep.matched_codes.append(
                    {"id": dashed(dest), "code": ix.code_path(dest), "other_id": dashed(c["id"]),
                     "other_code": other_path[c["id"]], "by": how}
                )  # fmt: skip
                self._definitions(dest, c)
                if ix.codes[dest]["kind"] != c["kind"]:
                    self._conflict(
                        "code",
                        dest,
                        f"{ix.code_path(dest)} is a {ix.codes[dest]['kind']} here and a "
                        f"{c['kind']} in {self.snap.name}; kept {ix.codes[dest]['kind']}",
                    )
                continue
            row = {
                **c,
                "parent_id": parent,
                "created_by": self.coders.get(c["created_by"]) if c["created_by"] else None,
            }
            self._add("codes", row)
            self._map(self.codes, c["id"], c["id"])
            ix.codes[c["id"]] = {
                "id": c["id"], "name": c["name"], "parent_id": parent, "kind": c["kind"],
                **{f: c[f] for f in DEFINITION_FIELDS},
            }  # fmt: skip
            ix.code_by_key[(parent, norm(c["name"]))] = c["id"]
            path = ix.code_path(c["id"])
            self.rep.added_codes.append({"id": dashed(c["id"]), "code": path})
            incoming.append(NamedCode(dashed(c["id"]), path, c["name"]))
        self.rep.near_duplicates, self.rep.opposites = review_pairs(before, incoming)

    def _definitions(self, dest: Id, c: dict[str, Any]) -> None:
        mine = self.ix.codes[dest]
        for f in DEFINITION_FIELDS:
            theirs = (c[f] or "").strip()
            ours = (mine[f] or "").strip()
            if not theirs or " ".join(theirs.split()) == " ".join(ours.split()):
                continue
            path = self.ix.code_path(dest)
            if not ours:
                self.plan.code_updates.append((dest, f, mine[f] or "", theirs))
                mine[f] = theirs
                self.added[f"code {f}s"] += 1
                continue
            self._conflict(
                "code",
                dest,
                f"{path} has another {f} in {self.snap.name}; both kept (theirs in a code note)",
            )
            self._memo(
                derived_id(f, dest, digest(" ".join(theirs.split()))),
                "code note",
                f"Other {f} of {mine['name']} (from {self.snap.name})",
                f"{self.snap.name} ({self.snap.target}) defines {path} differently.\n\n"
                f"Its {f}:\n{theirs}\n\nThis project's {f}:\n{ours}",
                ("code", dest),
            )

    def _codings(self, rows: list[dict[str, Any]]) -> None:
        ix = self.ix
        texts = {d["id"]: d["text"] for d in self.snap.rows["documents"]}
        for k in rows:
            if texts[k["document_id"]][k["start"] : k["end"]] != k["quote"]:
                self.rep.skipped.append(
                    {"id": dashed(k["id"]), "kind": "coding",
                     "reason": "its stored quote does not match the document's text"}
                )  # fmt: skip
                continue
            key = (
                self.docs[k["document_id"]], self.codes[k["code_id"]],
                self.coders[k["coder_id"]], k["start"], k["end"],
            )  # fmt: skip
            have = ix.codings.get(k["id"])
            if have is not None and have == key:
                self._map(self.codings, k["id"], k["id"])
                self.matched["codings"] += 1
                continue
            existing = ix.coding_by_key.get(key)
            if existing is not None:
                self._map(self.codings, k["id"], existing)
                self.dupes["codings"] += 1
                continue
            kid = k["id"]
            if kid in self.deleted_here:
                # this project's history knows the coding, and it is gone: someone removed
                # it here after an earlier merge; merging again must not bring it back
                self.removed_here += 1
                continue
            if have is not None:
                kid = derived_id("coding", k["id"], *key)
                self._conflict("coding", k["id"], "a coding with this id differs; both kept")
            self._add(
                "codings",
                {**k, "id": kid, "document_id": key[0], "code_id": key[1], "coder_id": key[2]},
            )
            self._map(self.codings, k["id"], kid)
            ix.codings[kid] = key
            ix.coding_by_key[key] = kid

    def _relations(self, rows: list[dict[str, Any]]) -> None:
        ix = self.ix
        for r in rows:
            if r["id"] in ix.relations:
                self._map(self.relations, r["id"], r["id"])
                self.matched["relations"] += 1
                continue
            src, tgt = self.codes[r["source_id"]], self.codes[r["target_id"]]
            key = (src, norm(r["type"]), tgt)
            if key in ix.relation_by_key:
                self._map(self.relations, r["id"], ix.relation_by_key[key])
                self.dupes["relations"] += 1
                continue
            if src == tgt:
                self.rep.skipped.append(
                    {"id": dashed(r["id"]), "kind": "relation",
                     "reason": "both ends are the same code here"}
                )  # fmt: skip
                continue
            coder = self.coders.get(r["coder_id"]) if r["coder_id"] else None
            self._add("relations", {**r, "source_id": src, "target_id": tgt, "coder_id": coder})
            self._map(self.relations, r["id"], r["id"])
            ix.relations[r["id"]] = key
            ix.relation_by_key[key] = r["id"]

    def _memos(self, memos: list[dict[str, Any]], links: list[dict[str, Any]]) -> None:
        ix = self.ix
        for m in memos:
            author = self.coders.get(m["author_id"]) if m["author_id"] else None
            if m["id"] in ix.memos:
                self._map(self.memos, m["id"], m["id"])
                self.matched["memos"] += 1
                if ix.memos[m["id"]] != (m["title"], m["body"]):
                    vid = derived_id("memo", m["id"], digest(m["title"] + "\0" + m["body"]))
                    self._conflict(
                        "memo", m["id"],
                        f"memo {m['title']!r} was edited differently in {self.snap.name}; "
                        "both versions kept",
                    )  # fmt: skip
                    if vid not in ix.memos:
                        title = f"{m['title']} (version from {self.snap.name})"[:500]
                        self._add("memos", {**m, "id": vid, "title": title, "author_id": author})
                        ix.memos[vid] = (title, m["body"])
                    self.memo_versions[m["id"]] = vid
                continue
            self._add("memos", {**m, "author_id": author})
            self._map(self.memos, m["id"], m["id"])
            ix.memos[m["id"]] = (m["title"], m["body"])
        pools = {
            "document": self.docs, "participant": self.participants, "code": self.codes,
            "coding": self.codings, "relation": self.relations, "memo": self.memos,
        }  # fmt: skip
        for link in links:
            target = pools[link["target_kind"]].get(link["target_id"])
            if target is None:
                self.rep.skipped.append(
                    {"id": dashed(link["id"]), "kind": "memo link",
                     "reason": f"its {link['target_kind']} did not come along"}
                )  # fmt: skip
                continue
            for memo in (self.memos[link["memo_id"]], self.memo_versions.get(link["memo_id"])):
                if memo is not None:
                    self._link(memo, link["target_kind"], target, link["id"])

    def _events(self, rows: list[dict[str, Any]]) -> None:
        for e in rows:
            if e["id"] in self.existing_events or e["id"] in self.ix.events_added:
                self.matched["events"] += 1
                continue
            coder = self.coders.get(e["coder_id"]) if e["coder_id"] else None
            entity = self.idmap.get(e["entity_id"], e["entity_id"]) if e["entity_id"] else None
            self._add("events", {**e, "coder_id": coder, "entity_id": entity})
            self.ix.events_added.add(e["id"])


def _shown(value: tuple[Any, Any, Any] | None) -> str:
    if value is None:
        return "unset"
    text_, number, date_ = value
    if number is not None:
        return f"{number:g}"
    if date_ is not None:
        return str(date_)
    return repr(text_ or "")


def plan_merge(s: Session, snaps: list[Snapshot]) -> list[Plan]:
    """Plans for merging ``snaps`` (in order) into the project open in ``s``."""
    ix = Index.build(s)
    seen = existing_events(s, snaps)
    gone = deleted_here(s, ix, snaps)
    return [Planner(ix, snap, seen, gone).run() for snap in snaps]
