"""Rejections the smoke test reports and those it must not: a promise rejected through
another one it was resolved with is still seen; a rejection or error built from a server's
answer is the server's call, which the lab cannot know, so it is never a finding."""

from __future__ import annotations

import json

from minirelease.compat.model import Cell, CellContext, Target
from minirelease.compat.package import BuiltPackage
from minirelease.compat.parsed import parse_package
from minirelease.compat.profiles import NetworkProfile, default_profiles
from minirelease.compat.runtime import runtime_rules
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS
from tests.compat.runtime.programs import OFFLINE, smoke, where
from tests.engines import SHARED_ENGINE

# A request wrapper as real programs write it: business errors reject with the response.
REQUEST = """\
export function request(url) {
  return new Promise((resolve, reject) => {
    my.request({
      url,
      success: (res) => (res.data.code === 0 ? resolve(res.data.data) : reject(res.data)),
      fail: reject,
    });
  });
}
"""
PAGE = """\
import { request } from '../../utils/request';
Page({
  onLoad() {
    request('https://api.shop.example/profile').then((user) => this.setData({ user }));
    my.request({
      url: 'https://api.shop.example/notice',
      success: (res) => {
        if (!res.data.ok) throw new Error(res.data.message);
      },
    });
  },
});
"""


def test_a_rejection_passed_on_through_a_returned_promise_is_reported() -> None:
    page = (
        "Page({\n"
        "  onLoad() {\n"
        "    Promise.resolve(1).then(() => Promise.resolve(2).then(() => {\n"
        "      throw new Error('saved twice');\n"
        "    }));\n"
        "  },\n"
        "});\n"
    )
    findings = smoke({"pages/index/index.js": page})
    assert where(findings) == [("unhandled-rejection", "pages/index/index.js", 4)]
    assert "saved twice" in findings[0].message


def test_server_answers_never_make_findings_but_a_network_failure_does() -> None:
    scripts = {"utils/request.js": REQUEST, "pages/index/index.js": PAGE}
    # Online the lab cannot know the code or the message: neither the wrapper's
    # rejection with the response nor the error quoting the server's message is a finding.
    assert smoke(scripts) == []
    # Offline, the wrapper rejects with the network error and nobody catches it.
    offline = smoke(scripts, network=OFFLINE)
    assert where(offline) == [("offline-crash", "pages/index/index.js", 4)]


def test_an_executor_that_throws_is_an_unhandled_rejection_at_its_line() -> None:
    page = (
        "Page({\n"
        "  onLoad() {\n"
        "    new Promise((resolve) => {\n"
        "      resolve(this.data.profile.name);\n"
        "    });\n"
        "  },\n"
        "});\n"
    )
    findings = smoke({"pages/index/index.js": page})
    assert where(findings) == [("unhandled-rejection", "pages/index/index.js", 4)]
    assert "Cannot read properties of undefined (reading 'name')" in findings[0].message


def test_a_crash_on_a_lost_request_is_the_same_finding_as_offline() -> None:
    # Four requests on a network losing half of them: the fail path that throws is the
    # network's failure, reported as offline, one finding for every failing network.
    page = (
        "Page({\n"
        "  onLoad() {\n"
        "    for (const feed of ['a', 'b', 'c', 'd']) {\n"
        "      my.request({ url: 'https://api.shop.example/' + feed, fail: () => {\n"
        "        this.data.cache[feed].items.forEach(() => {});\n"
        "      } });\n"
        "    }\n"
        "  },\n"
        "});\n"
    )
    files = {
        "app.json": json.dumps({"pages": ["pages/index/index"]}),
        "app.js": "App({});\n",
        "pages/index/index.js": page,
    }
    parsed = parse_package(BuiltPackage.from_files({p: s.encode() for p, s in files.items()}))
    target = Target("wallet", frozenset({"my.request"}), frozenset(), DEFAULT_PACKAGE_LIMITS)
    lossy = NetworkProfile("lossy", 1000, 100, 0.5)
    offline = default_profiles().networks["offline"]
    (rule,) = runtime_rules(SHARED_ENGINE, time_budget_ms=3000)
    found = [
        rule.check(parsed, CellContext(Cell("wallet", "android", "14", name), target, network=on))
        for name, on in (("lossy", lossy), ("offline", offline))
    ]
    # Offline every feed fails, on the lossy network only some: one place, one finding.
    assert found[0] == found[1]
    assert where(found[0]) == [("offline-crash", "pages/index/index.js", 5)]
    assert found[0][0].message.startswith("only when the network fails")
