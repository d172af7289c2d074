"""The case workflow, one module per concern (see run.py for how they build on each other)."""

from workflows.case.workflow import CaseWorkflow

__all__ = ["CaseWorkflow"]
