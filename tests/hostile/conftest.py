"""The user's folder every hostile case starts from (see :mod:`tests.hostile.harness`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.harness import Folder, user_folder


@pytest.fixture
def user(tmp_path: Path) -> Folder:
    return user_folder(tmp_path / "user")
