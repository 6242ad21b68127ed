"""ghdigest: a Git/GitHub-backed headless CMS for weekly paper digests."""

from __future__ import annotations

__version__ = "0.1.0"
