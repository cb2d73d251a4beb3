"""Builds the enforcement service from the live runtime (nothing connects at import)."""

from __future__ import annotations

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
