"""Where the repository is, and how a path in a config is resolved against it."""
from __future__ import annotations

import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def resolve(path: str) -> str:
    """A config path as given (relative to the working directory), else relative to the repo."""
    if os.path.isabs(path) or os.path.exists(path):
        return path
    return os.path.join(REPO, path) if os.path.exists(os.path.join(REPO, path)) else path
