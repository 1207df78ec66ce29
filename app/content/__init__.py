"""The scenario library: loading and validating `injects/*.yaml` and `sop/*.yaml` (docs/content.md)."""
from .library import (
    REPO_ROOT,
    ContentInvalid,
    ContentNotFound,
    Library,
    content_hash,
    gap_report,
    load_checklist,
    load_library,
    load_scenario,
    validate_scenario,
)
from .yamlsrc import ContentError

__all__ = [
    "REPO_ROOT", "ContentError", "ContentInvalid", "ContentNotFound", "Library",
    "content_hash", "gap_report", "load_checklist", "load_library", "load_scenario",
    "validate_scenario",
]
