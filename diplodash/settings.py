"""Operator settings: what a dashboard lets its visitors do, and where it keeps its indexes.

They come from environment variables, else from the app's secrets (diplodash.ui passes st.secrets in),
never from the browser. A shared dashboard is read-only unless its operator turns editing on:
whoever opens its address must not be able to read the server's files or rebuild its index.
"""
from __future__ import annotations

import os
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

# Relative to the folder the app runs in (the repository's root, on Community Cloud too), as the
# command line's default index is.
SAMPLE_INDEX = Path("data/index")          # committed: no editing build or upload writes into it
DEFAULT_WORKSPACE = Path("data/workspace")  # git-ignored: user builds and uploads
_ON = {"1", "true", "yes", "on"}

HOW_TO_EDIT = ("This dashboard is read-only. Its operator turns editing (uploads and rebuilds) on with "
               "`DIPLODASH_EDITING=1` in the server's environment or in the app's secrets; "
               "`DIPLODASH_ALLOWED_ROOT` names the one server folder whose files may then be typed in.")


class InputRefused(ValueError):
    """A typed input this dashboard may not read; the message says why and what to do instead."""


@dataclass(frozen=True)
class Settings:
    editing: bool = False
    allowed_root: Path | None = None      # resolved; None: no server path may be typed
    workspace: Path = DEFAULT_WORKSPACE
    operator_index: Path | None = None    # DIPLODASH_INDEX: the operator's own index
    operator_taxonomy: Path | None = None  # DIPLODASH_THEMES: the taxonomy the Themes page teaches

    @property
    def taxonomy_file(self) -> Path:
        """Where themes taught on the Themes page are saved (with their marks beside them): the
        operator's file, else the workspace's; the shipped data/themes.yaml is never written."""
        return self.operator_taxonomy or self.workspace / "themes.yaml"

    @property
    def workspace_index(self) -> Path:
        return self.workspace / "index"

    @property
    def uploads(self) -> Path:
        return self.workspace / "uploads"

    def new_upload_folder(self) -> Path:
        """A folder name for one upload under uploads/: its time, and a random suffix so that two
        uploads in the same second never share a folder."""
        return self.uploads / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"

    def served_index(self) -> Path:
        """The operator's index, else the last editing build's, else the sample index (which a first
        run builds where it is missing)."""
        if self.operator_index is not None:
            return self.operator_index
        if (self.workspace_index / "manifest.json").exists():
            return self.workspace_index
        return SAMPLE_INDEX

    def build_target(self) -> Path:
        """Where an editing build writes: the operator's index, else the workspace, never data/index."""
        return self.operator_index if self.operator_index is not None else self.workspace_index

    def check_input(self, typed: str) -> str:
        """A folder, file or feed URL typed into the dashboard, as the build may read it; InputRefused
        when this dashboard may not read it. Paths are resolved (`..`, symlinks) before the check."""
        typed = typed.strip()
        scheme = urllib.parse.urlsplit(typed).scheme.lower()
        if scheme in ("http", "https"):
            if not self.editing:
                raise InputRefused(HOW_TO_EDIT)
            return typed
        if len(scheme) > 1:  # one letter is a Windows drive, not a scheme
            raise InputRefused(f"Cannot read '{scheme}:' addresses: type a folder on the server or an http(s) URL.")
        if not self.editing:
            raise InputRefused(HOW_TO_EDIT)
        if self.allowed_root is None:
            raise InputRefused("No server folder may be typed here: the operator has not set DIPLODASH_ALLOWED_ROOT. "
                               "Upload the files instead.")
        try:
            resolved = (self.allowed_root / typed).resolve()  # an absolute path replaces the root
        except (OSError, RuntimeError, ValueError):
            raise InputRefused(f"Not a path this server can read: '{typed}'.") from None
        if resolved != self.allowed_root and self.allowed_root not in resolved.parents:
            raise InputRefused(f"'{typed}' is outside the folder DIPLODASH_ALLOWED_ROOT allows "
                               f"({self.allowed_root}): only files and folders under it can be read.")
        if not resolved.exists():
            raise InputRefused(f"No such file or folder under {self.allowed_root}: '{typed}'.")
        return str(resolved)


def load(secrets: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, else from `secrets` (e.g. st.secrets as a dict)."""
    environ = os.environ if environ is None else environ
    secrets = secrets or {}

    def value(name: str) -> str:
        found = environ.get(name)
        if found in (None, ""):
            found = secrets.get(name)
        return "" if found is None else str(found).strip()

    root = value("DIPLODASH_ALLOWED_ROOT")
    index = value("DIPLODASH_INDEX")
    taxonomy = value("DIPLODASH_THEMES")
    return Settings(editing=value("DIPLODASH_EDITING").lower() in _ON,
                    allowed_root=Path(root).expanduser().resolve() if root else None,
                    workspace=Path(value("DIPLODASH_WORKSPACE") or DEFAULT_WORKSPACE),
                    operator_index=Path(index) if index else None,
                    operator_taxonomy=Path(taxonomy) if taxonomy else None)

