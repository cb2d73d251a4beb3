"""Migrations run in name order; two branches that each add "the next number" must not
both land, or the order between them is an accident of their names."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = sorted({p.parent for p in ROOT.glob("services/*/migrations/*.sql")} | {p.parent for p in ROOT.glob("mgov_common/sql/*/*.sql")})


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: str(f.relative_to(ROOT)))
def test_each_migration_of_a_schema_has_a_number_of_its_own(folder: Path) -> None:
    numbers = [m.group(1) for p in folder.glob("*.sql") if (m := re.match(r"(\d{4})_", p.name))]
    assert len(numbers) == len(list(folder.glob("*.sql"))), "every migration starts with a four-digit number"
    assert [n for n, c in Counter(numbers).items() if c > 1] == []


def test_there_are_migrations_to_check() -> None:
    assert len(FOLDERS) >= 6
