"""Console fixtures: a console signed in as a given actor."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.factories import Actor, Factory
from tests.web.console import Console, sign_in


@pytest.fixture
def console(client: TestClient, factory: Factory) -> Callable[[Actor], Console]:
    def signed_in(actor: Actor) -> Console:
        return sign_in(client, factory, actor)

    return signed_in
