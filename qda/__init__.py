"""qda: a terminal workbench for qualitative research with grounded theory.

The Python API::

    import qda
    project = qda.open_project("study.qda", coder="ana")
    project.documents()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Project", "QdaError", "__version__", "init_project", "open_project"]

if TYPE_CHECKING:
    from qda.errors import QdaError
    from qda.project import Project, init_project, open_project


def __getattr__(name: str) -> Any:
    # Lazy, so that `import qda` (and the CLI's start-up) stays light.
    if name in ("Project", "init_project", "open_project"):
        from qda import project

        return getattr(project, name)
    if name == "QdaError":
        from qda.errors import QdaError

        return QdaError
    raise AttributeError(name)
