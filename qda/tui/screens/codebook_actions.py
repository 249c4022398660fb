"""The codebook's actions: add, define, rename, move, merge, split, retire, core, relate.

Each is one call of the coding engine in a worker; the tree is read again afterwards
and the cursor stays on the code that was changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qda.tui.modals.confirm import ConfirmModal
from qda.tui.modals.form import Field, FormModal
from qda.tui.modals.picker import Choice, PickerModal
from qda.tui.modals.split import SplitModal
from qda.tui.screens.base import QdaScreen

if TYPE_CHECKING:
    from qda.tui.widgets.code_tree import CodeTree

KINDS = ("code", "category", "theme")


def _named(values: dict[str, str]) -> str | None:
    """The code form's check: a code needs a name."""
    return None if values["name"].strip() else "A code needs a name (Escape cancels)."


class CodebookActions(QdaScreen):
    """Mixed into CodebookScreen (which provides the widgets and the loading)."""

    def __init__(self, project: Any) -> None:
        super().__init__(project)
        self.codes: list[Any] = []
        self.relations: list[Any] = []
        self.show_retired = False
        self.select_after: str | None = None

    @property
    def code_tree(self) -> CodeTree:
        raise NotImplementedError

    @property
    def current(self) -> Any | None:
        code_id = self.code_tree.current_code
        return next((c for c in self.codes if c.id == code_id), None)

    def _need(self) -> Any | None:
        code = self.current
        if code is None:
            self.notify(
                "Choose a code in the tree first." if self.codes else "No codes yet: a adds one."
            )
        return code

    def _change(self, fn: Any, message: Any = None, *, select: str | None = None) -> None:
        def done(result: Any) -> None:
            text = message(result) if callable(message) else message
            if text:
                self.notify(text)
            self.select_after = select or getattr(result, "id", None)
            self.changed()
            self.reload()

        self.run_db(fn, done)

    def _pick_code(
        self, title: str, then: Any, *, kinds: tuple[str, ...] = KINDS, top: bool = False
    ) -> None:
        code = self.current
        choices = [
            Choice(c.id, c.path, detail=c.kind, color=c.color)
            for c in self.codes
            if c.kind in kinds and not c.retired and (code is None or c.id != code.id)
        ]
        if top:
            choices.insert(0, Choice("", "(top level)"))

        def picked(code_id: str | None) -> None:
            if code_id is not None:
                then(code_id)

        self.app.push_screen(PickerModal(title, choices), picked)

    # -- creating and defining ---------------------------------------------------
    def action_add(self) -> None:
        code = self.current
        parent = None
        if code is not None:
            parent = code.id if code.kind != "code" else code.parent_id
        parent_path = next((c.path for c in self.codes if c.id == parent), None)
        fields = [
            Field("name", "Name"),
            Field("kind", "Kind", "code", "select", KINDS),
            Field("definition", "Definition (optional)", kind="text"),
        ]
        note = f"Under {parent_path}." if parent_path else "At the top level."

        def saved(values: dict[str, str] | None) -> None:
            if values and values["name"].strip():
                p = self.project
                self._change(
                    lambda: p.add_code(
                        values["name"],
                        kind=values["kind"] or "code",
                        parent=parent,
                        definition=values["definition"],
                    ),
                    lambda c: f"Added {c.kind} {c.path}",
                )

        self.app.push_screen(FormModal("New code", fields, note=note, check=_named), saved)

    def action_edit(self) -> None:
        code = self._need()
        if code is None:
            return
        fields = [
            Field("definition", "Definition", code.definition, "text"),
            Field("inclusion", "Inclusion criteria (when to use it)", code.inclusion, "text"),
            Field("exclusion", "Exclusion criteria (when not to)", code.exclusion, "text"),
            Field("example", "A typical example", code.example),
            Field("color", "Colour (#rrggbb or a name; empty: automatic)", code.color or ""),
        ]

        def saved(values: dict[str, str] | None) -> None:
            if values is not None:
                p = self.project
                self._change(
                    lambda: p.define_code(code.id, **values), f"Saved the definition of {code.name}"
                )

        self.app.push_screen(FormModal(f"Define “{code.name}”", fields), saved)

    def action_rename(self) -> None:
        code = self._need()
        if code is None:
            return

        def saved(values: dict[str, str] | None) -> None:
            if values and values["name"].strip() and values["name"].strip() != code.name:
                p = self.project
                self._change(
                    lambda: p.rename_code(code.id, values["name"]), lambda c: f"Renamed to {c.name}"
                )

        form = FormModal("Rename", [Field("name", "New name", code.name)], check=_named)
        self.app.push_screen(form, saved)

    # -- arranging -----------------------------------------------------------------
    def action_move_under(self) -> None:
        code = self._need()
        if code is None:
            return
        p = self.project

        def moved(parent: str) -> None:
            self._change(
                lambda: p.move_code(code.id, parent or None), lambda c: f"Moved to {c.path}"
            )

        self._pick_code(
            f"Move “{code.name}” under…", moved, kinds=("category", "theme", "code"), top=True
        )

    def _siblings(self, parent_id: str | None) -> list[Any]:
        return [c for c in self.codes if c.parent_id == parent_id]

    def action_shift(self, step: int) -> None:
        code = self._need()
        if code is None:
            return
        sibs = self._siblings(code.parent_id)
        i = next(i for i, c in enumerate(sibs) if c.id == code.id)
        j = i + step
        if not 0 <= j < len(sibs):
            return
        p = self.project
        self._change(lambda: p.move_code(code.id, code.parent_id, position=j))

    def action_outdent(self) -> None:
        code = self._need()
        if code is None or code.parent_id is None:
            return
        parent = next((c for c in self.codes if c.id == code.parent_id), None)
        grand = parent.parent_id if parent else None
        p = self.project
        self._change(lambda: p.move_code(code.id, grand), lambda c: f"Moved to {c.path}")

    def action_indent(self) -> None:
        code = self._need()
        if code is None:
            return
        sibs = self._siblings(code.parent_id)
        i = next(i for i, c in enumerate(sibs) if c.id == code.id)
        if i == 0:
            self.notify("Nothing above it to move it under.")
            return
        target = sibs[i - 1]
        p = self.project
        self._change(lambda: p.move_code(code.id, target.id), lambda c: f"Moved to {c.path}")

    # -- merging, splitting, retiring ------------------------------------------------
    def action_merge(self) -> None:
        code = self._need()
        if code is None:
            return
        p = self.project

        def into(target: str) -> None:
            name = next((c.path for c in self.codes if c.id == target), "?")

            def sure(yes: bool | None) -> None:
                if yes:
                    self._change(
                        lambda: p.merge_codes(code.id, target),
                        lambda c: f"Merged into {c.path} (u undoes)",
                    )

            question = (
                f"Merge “{code.path}” into “{name}”? "
                "Its codings move over; both definitions are kept."
            )
            self.app.push_screen(ConfirmModal(question, title="Merge codes", yes="Merge"), sure)

        self._pick_code(f"Merge “{code.name}” into…", into)

    def action_split(self) -> None:
        code = self._need()
        if code is None:
            return
        p = self.project

        def show(codings: list[Any]) -> None:
            if not codings:
                self.notify("This code has no codings to split off.")
                return
            items = [(c.id, f"{c.document}: {' '.join(c.quote.split())[:70]}") for c in codings]
            self.app.push_screen(SplitModal(code.name, items), split)

        def split(answer: tuple[list[str], str] | None) -> None:
            if answer:
                ids, name = answer
                self._change(
                    lambda: p.split_code(code.id, ids, name), lambda c: f"Split off {c.path}"
                )

        self.run_db(lambda: p.codings(code=code.id), show)

    def action_retire(self) -> None:
        code = self._need()
        if code is None:
            return
        p = self.project
        if code.retired:
            self._change(lambda: p.retire_code(code.id, retired=False), f"{code.name} is back")
            return

        def sure(yes: bool | None) -> None:
            if yes:
                self._change(
                    lambda: p.retire_code(code.id), f"Retired {code.name} (h shows retired codes)"
                )

        question = f"Retire “{code.path}”? It is hidden from pickers; its codings stay."
        self.app.push_screen(ConfirmModal(question, title="Retire", yes="Retire"), sure)

    def action_core(self) -> None:
        code = self._need()
        if code is None:
            return
        p = self.project
        core = not code.is_core
        self._change(
            lambda: p.set_core(code.id, core=core),
            f"{code.name} is {'now' if core else 'no longer'} the core category",
        )

    def action_toggle_retired(self) -> None:
        self.show_retired = not self.show_retired
        self.reload()

    # -- relations -------------------------------------------------------------------
    def action_relate(self) -> None:
        code = self._need()
        if code is None:
            return
        p = self.project

        def show(types: list[dict[str, Any]]) -> None:
            choices = [Choice(t["type"], t["type"], detail=t["group"]) for t in types]
            picker = PickerModal(
                f"“{code.name}” …", choices, allow_new=True, hint="A new type: type it, Enter."
            )
            self.app.push_screen(picker, typed)

        def typed(rel_type: str | None) -> None:
            if rel_type:
                self._pick_code(
                    f"“{code.name}” {rel_type} …", lambda target: relate(rel_type, target)
                )

        def relate(rel_type: str, target: str) -> None:
            self._change(
                lambda: p.relate(code.id, rel_type, target),
                lambda r: f"{r.source} {r.type} {r.target}",
                select=code.id,
            )

        self.run_db(p.relation_types, show)

    def action_unrelate(self) -> None:
        from textual.widgets import OptionList

        options = self.query_one("#relations", OptionList)
        if options.highlighted is None:
            return
        rid = options.get_option_at_index(options.highlighted).id
        if rid:
            p = self.project
            code = self.current
            self._change(
                lambda: p.unrelate(rid), "Relation removed", select=code.id if code else None
            )

    def action_compare(self) -> None:
        code = self._need()
        if code is not None:
            self.qda.compare_code(code.id)

    def action_suggest(self) -> None:
        code = self._need()
        if code is not None:
            self.qda.suggest_for(code.id)

    def action_undo(self) -> None:
        p = self.project
        code = self.current
        self._change(
            p.undo,
            lambda what: f"Undone: {what}" if what else "Nothing to undo",
            select=code.id if code else None,
        )
