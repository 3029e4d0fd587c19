"""Webhook tests deliver to receivers on 127.0.0.1: the app under test allows private
destinations (tests/api/test_webhooks_api.py covers the default, which refuses them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from minirelease.config import Settings
from tests.webhooks.receiver import Receiver, receiving


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", database_url=str(engine.url), webhooks_allow_private=True
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running
