"""The terminal workbench (Textual).  The only package of qda that imports Textual.

``qda.tui.app.run_app(project)`` opens it; screens live in ``screens/`` (one per
workflow), reusable widgets in ``widgets/``, dialogs in ``modals/``.
"""
