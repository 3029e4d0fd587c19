"""Compatibility-run benchmark (issue 4, item 6): a generated mini program of 1,000 files and
about 5 MB over a 288-cell matrix (16 OS versions x 6 networks x 3 devices), then the same
with twice the files and with twice the cells. Target: at most 20 s on a 2-core machine,
and cost that grows as files + cells, not files x cells.

    .venv/bin/python -m benchmarks.compat [--repeat N]

Prints each case's wall time (best of N), its findings, and the growth ratios: about 2 for
doubled files, and far less than that for doubled cells is the files + cells shape (a
cell's own work is key lookups; the parse is per file, and the engine runs once per
distinct network, so more networks cost engine runs and more devices cost next to
nothing). The engine runs in engine processes of an ``EnginePool``, as in the server
(issue 14): the scripts cross to the process once per package, each run's answer once per
run; starting the pool's process is timed apart."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping
from typing import Any

from minirelease.compat.matrix import build_matrix
from minirelease.compat.package import BuiltPackage
from minirelease.compat.profiles import DEFAULT_PROFILES, profile_set
from minirelease.compat.run import run_compatibility
from minirelease.compat.runtime import EnginePool, Network, run_smoke
from minirelease.partners.defaults import shipped_profile
from minirelease.partners.profile import DEFAULT_PACKAGE_LIMITS

TARGET_SECONDS = 20.0
PAGES_SHARE = 10  # one file in ten is a page script (each with its template)

_MODULE = """// Module {n}: formatting and cart helpers, written the way teams write them.
const base = {base};
function price_{n}(item, options) {{
  const amount = item && item.amount ? item.amount : 0;
  const currency = (options && options.currency) || 'CNY';
  return currency + ' ' + (amount / 100).toFixed(2);
}}
function total_{n}(items) {{
  let sum = 0;
  for (let i = 0; i < items.length; i += 1) {{
    sum += items[i].amount * items[i].quantity;
  }}
  return sum;
}}
function label_{n}(query) {{
  return {label};
}}
function fetch_{n}(id, done) {{
  my.request({{
    url: 'https://api.shop.example/items/' + id,
    success: (res) => done(null, res.data),
    fail: (error) => done(error),
  }});
}}
module.exports = {{ price_{n}, total_{n}, label_{n}, fetch_{n}, base }};
"""
_PAGE_JS = """const helpers = require('../../utils/module{n}');
Page({{
  data: {{ items: [], title: '' }},
  onLoad(query) {{
    this.setData({{ title: helpers.label_{n}(query) }});
    helpers.fetch_{n}(query.id || 1, (error, items) => {{
      if (!error) this.setData({{ items }});
    }});
  }},
  onShow() {{
    if (my.canIUse('setNavigationBar')) my.setNavigationBar({{ title: 'Page {n}' }});
  }},
  onReady() {{}},
  open(event) {{
    my.navigateTo({{ url: '/pages/page{next}/page{next}?id=' + event.target.dataset.id }});
  }},
}});
"""
_PAGE_AXML = """<view class="page">
  <text class="title">{{{{title}}}}</text>
  <scroll-view scroll-y="true">
    <view a:for="{{{{items}}}}" class="row" data-id="{{{{item.id}}}}" onTap="open">
      <image src="/assets/thumb.png" mode="aspectFill"/>
      <text>{{{{item.name}}}}</text>
    </view>
  </scroll-view>
</view>
"""
# Padding comments bring each module to about 5 KB, as real modules with docs are.
_PADDING = "// " + "lorem ipsum dolor sit amet, " * 3 + "\n"


def generate(files: int, flagged_every: int = 50) -> dict[str, bytes]:
    """``files`` files of about 5 KB each: page scripts with templates and utility modules,
    one module in ``flagged_every`` with a finding."""
    pages = max(1, files // PAGES_SHARE // 2)
    modules = files - 2 * pages - 2
    project: dict[str, bytes] = {}
    for n in range(modules):
        # A tree of requires: a page loads its module and that module's ancestors.
        base = f"require('./module{n // 2}')" if n else "{}"
        # Some modules use ES2020 syntax, which older engines cannot parse: findings.
        label = "query?.title ?? 'untitled'" if n % flagged_every == 0 else "query.title"
        source = _MODULE.format(n=n, base=base, label=label)
        project[f"utils/module{n}.js"] = (source + _PADDING * 52).encode()
    page_names = [f"pages/page{n}/page{n}" for n in range(pages)]
    for n, name in enumerate(page_names):
        project[f"{name}.js"] = _PAGE_JS.format(n=n % modules, next=(n + 1) % pages).encode()
        project[f"{name}.axml"] = _PAGE_AXML.format().encode()
    project["app.json"] = json.dumps({"pages": page_names}).encode()
    project["app.js"] = b"App({ onLaunch() { this.started = Date.now(); } });\n"
    return project


def profiles(networks: int, devices: int) -> Any:
    """The shipped OS profiles with ``networks`` networks and ``devices`` devices (the
    shipped ones first, then variants of them)."""
    base: dict[str, Mapping[str, Any]] = dict(DEFAULT_PROFILES)
    shipped_networks = dict(base["network"])
    shipped_devices = dict(base["device"])
    network_list = list(shipped_networks.items())
    device_list = list(shipped_devices.items())
    chosen_networks = {
        (name if i < len(network_list) else f"{name}-{i}"): data
        for i, (name, data) in enumerate(
            network_list[i % len(network_list)] for i in range(networks)
        )
    }
    chosen_devices = {
        (name if i < len(device_list) else f"{name}-{i}"): data
        for i, (name, data) in enumerate(device_list[i % len(device_list)] for i in range(devices))
    }
    return profile_set({**base, "network": chosen_networks, "device": chosen_devices})


def one_run(
    package: BuiltPackage, networks: int, devices: int, engine: EnginePool
) -> tuple[float, dict[str, Any]]:
    super_app = shipped_profile("super_app")
    matrix = build_matrix("super", super_app["os_versions"], profiles(networks, devices))
    started = time.perf_counter()
    result = run_compatibility(
        package,
        run_id="bench",
        package_sha256="0" * 64,
        partner_app="super",
        profile=super_app,
        limits={**DEFAULT_PACKAGE_LIMITS, "main_package_bytes": 64 << 20, "total_bytes": 64 << 20},
        server_domains=("api.shop.example",),
        matrix=matrix,
        engine=engine,
    )
    result.html()
    return time.perf_counter() - started, result.report["summary"]


def case(
    name: str,
    files: int,
    networks: int,
    devices: int,
    repeat: int,
    flagged_every: int,
    engine: EnginePool,
) -> float:
    project = generate(files, flagged_every)
    package = BuiltPackage.from_files(project)
    size = sum(len(data) for data in project.values())
    best, summary = min(
        (one_run(package, networks, devices, engine) for _ in range(repeat)),
        key=lambda run: run[0],
    )
    print(
        f"{name:<14} {len(project):>6} files {size / 1e6:6.2f} MB {summary['cells']:>5} cells "
        f"{best:7.2f} s   findings {summary['findings']:>3}, status {summary['status']}"
    )
    return best


def start_engine_process(engine: EnginePool) -> float:
    """The pool's first run starts its process (Python, then V8): timed on its own."""
    started = time.perf_counter()
    wifi = {"name": "wifi", "bandwidth_kbps": 30000, "rtt_ms": 40, "loss": 0.0, "offline": False}
    files = {"app.js": b"App({});\n"}
    run_smoke(files, pages=(), jsapis=(), network=Network.from_profile(wifi), engine=engine)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--flagged-every",
        type=int,
        default=50,
        help="one module in N has a finding (1: every module, a report of ~1,800 findings "
        "whose cell lists make the output, not the analysis, the cost)",
    )
    args = parser.parse_args()
    engine = EnginePool(1)
    try:
        print(f"starting an engine process: {start_engine_process(engine):.2f} s\n")
        print("case              files       size   cells    time")
        every = args.flagged_every
        base = case("base", 1000, 6, 3, args.repeat, every, engine)
        files = case("2x files", 2000, 6, 3, args.repeat, every, engine)
        devices = case("2x devices", 1000, 6, 6, args.repeat, every, engine)
        networks = case("2x networks", 1000, 12, 3, args.repeat, every, engine)
        both = case("2x files+dev", 2000, 6, 6, args.repeat, every, engine)
    finally:
        engine.close()
    print()
    print(
        f"base run: {base:.2f} s (target <= {TARGET_SECONDS:.0f} s): "
        f"{'met' if base <= TARGET_SECONDS else 'MISSED'}"
    )
    print(f"growth with 2x files:               {files / base:.2f}x")
    print(f"growth with 2x cells (devices):     {devices / base:.2f}x")
    print(f"growth with 2x cells (networks):    {networks / base:.2f}x")
    print(f"growth with 2x files and 2x cells:  {both / base:.2f}x (files x cells: 4x)")
    print(
        "A network is an input of the runtime smoke test, so each distinct network is one "
        "engine run over the pages;\nOS versions and devices only key the static rules."
    )


if __name__ == "__main__":
    main()
