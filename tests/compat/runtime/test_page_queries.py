"""The query a page is opened with: empty for the pages a user opens (the first page, the
tab bar's), unknown for the others, which open with whatever query the navigating code
builds: reading it never throws, so no crash is invented from a query the lab cannot know,
and the code that depends on it still runs."""

from __future__ import annotations

import json

from tests.compat.programs import check, findings, program

READS_ITS_QUERY = """\
Page({
  onLoad(query) {
    const item = JSON.parse(decodeURIComponent(query.item));
    this.setData({ item, tags: query.tags.split(',') });
    if (query.id) {
      this.setData({ owner: ownerId });
    }
  },
});
"""


def test_pages_opened_by_code_read_an_unknown_query_and_the_first_page_an_empty_one() -> None:
    files = program(
        {
            "pages/index/index.js": READS_ITS_QUERY,
            "pages/detail/detail.js": READS_ITS_QUERY,
            "pages/cart/cart.js": READS_ITS_QUERY,
        },
        pages=("pages/index/index", "pages/detail/detail", "pages/cart/cart"),
        app_json={"tabBar": {"items": [{"pagePath": "pages/cart/cart", "name": "Cart"}]}},
    )
    found = {
        (f.finding.file, f.finding.line, f.finding.message.split(":")[0])
        for f in findings(check(files))
    }
    assert found == {
        # Opened at launch and from the tab bar with no query: JSON.parse("undefined").
        ("pages/index/index.js", 3, "SyntaxError"),
        ("pages/cart/cart.js", 3, "SyntaxError"),
        # Opened with a query: the branch that needs it runs and its real fault is found.
        ("pages/detail/detail.js", 6, "ReferenceError"),
    }
    assert json.loads(files["app.json"])["tabBar"]
