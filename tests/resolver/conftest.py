"""The JavaScript resolver installed once per session for its test modules
(test_js_sdk*.py): copied to a temporary folder with its npm dependencies."""

from __future__ import annotations

import pytest

from tests.resolver.node_sdk import NodeSdk, install


@pytest.fixture(scope="session")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> NodeSdk:
    return install(tmp_path_factory.mktemp("sdk-js") / "sdk")
