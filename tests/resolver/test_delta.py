"""The SDK applies manifest deltas (issue 15, item 2). Over random sequences of rollout
changes, signed by the server's own builders, every chain of deltas the SDK applies, from
any serial to any later one, equals the full manifest of that serial, and resolves as it
does; a delta that does not start at the serial in use (a gap), of another partner app, of
the wrong size, or changed after signing is refused; and an SDK from before deltas, which
never sends ``since``, still takes the full manifest and refuses a delta replayed to it.

(hypothesis is not among the dev dependencies: the sequences come from seeded generators,
so every run checks the same few thousand deltas.)"""

from __future__ import annotations

import base64
import json
import random
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, ModuleType

import pytest

from minirelease.build.signing import Signer
from minirelease.resolver import (
    DeltaInvalid,
    Manifest,
    ManifestInvalid,
    Resolver,
    SignatureInvalid,
    StaleManifest,
    apply_delta,
    load_delta,
    load_manifest,
    load_update,
)
from minirelease.resolver.canonical import jcs_json
from minirelease.rollout.manifest import sign_partner_manifest
from minirelease.rollout.manifest_delta import build_delta, sign_delta
from minirelease.rollout.resolve import Package, PairRollout
from minirelease.rollout.state import RolloutSnapshot
from tests.resolver.signed import new_signer

PARTNER = "wallet"
PATH = "/api/v1/packages/"
USERS = [f"user-{n}" for n in range(40)] + ["tester-a", "tester-b", None]


def _package(rng: random.Random) -> Package:
    n = rng.randrange(10**6)
    return Package(f"rel_{n}", f"1.{n % 50}.0", f"{n:064x}", 1000 + n, f"sig-{n}", "k1")


def _pair(rng: random.Random) -> PairRollout:
    if rng.random() < 0.1:
        return PairRollout(removed=True)
    online = _package(rng) if rng.random() < 0.8 else None
    if rng.random() < 0.4:
        return PairRollout(online=online)
    grayscale = rng.random() < 0.7
    return PairRollout(
        online=online,
        candidate=_package(rng),
        candidate_status="grayscale" if grayscale else "pilot",
        basis_points=rng.randrange(10_001) if grayscale else 0,
        halted=rng.random() < 0.2,
        testers=frozenset(rng.sample(["tester-a", "tester-b", "tester-c"], rng.randrange(3))),
    )


@dataclass
class History:
    """A partner app's rollout, serial by serial: what the server's snapshot holds, which
    app ids each change touched, and the server's signed answers."""

    signer: Signer
    rng: random.Random
    pairs: dict[str, PairRollout] = field(default_factory=dict)
    snapshots: list[RolloutSnapshot] = field(default_factory=list)
    touched: list[set[str]] = field(default_factory=list)  # by serial

    def __post_init__(self) -> None:
        for n in range(self.rng.randrange(6)):
            self.pairs[f"app{n}"] = _pair(self.rng)
        self._snap(set(self.pairs))

    def _snap(self, touched: set[str]) -> None:
        partners = MappingProxyType({PARTNER: MappingProxyType(dict(self.pairs))})
        self.snapshots.append(RolloutSnapshot(serial=len(self.snapshots), partners=partners))
        self.touched.append(touched)

    def change(self) -> None:
        """One serial: one to three programs added, changed, dropped or only touched."""
        touched: set[str] = set()
        for _ in range(self.rng.randrange(1, 4)):
            listed = sorted(self.pairs)
            op = self.rng.choice(["add", "change", "drop", "touch"] if listed else ["add"])
            app_id = f"app{self.rng.randrange(40)}" if op == "add" else self.rng.choice(listed)
            if op in ("add", "change"):
                self.pairs[app_id] = _pair(self.rng)
            elif op == "drop":
                del self.pairs[app_id]
            touched.add(app_id)
        self._snap(touched)

    @property
    def serial(self) -> int:
        return len(self.snapshots) - 1

    def full(self, serial: int) -> bytes:
        signed = sign_partner_manifest(self.snapshots[serial], PARTNER, PATH, self.signer)
        assert signed is not None
        return signed.body

    def delta(self, since: int, serial: int, noise: int = 0) -> bytes:
        """The server's delta: the app ids touched after ``since``, and ``noise`` more
        (a delta may resend entries that did not change)."""
        app_ids = set().union(*self.touched[since + 1 : serial + 1])
        listed = sorted(self.snapshots[serial].partners[PARTNER])
        app_ids |= set(self.rng.sample(listed, min(noise, len(listed))))
        delta = build_delta(self.snapshots[serial], PARTNER, since, app_ids, PATH)
        assert delta is not None
        return sign_delta(delta, self.signer).body


def _key(signer: Signer) -> str:
    return signer.public_key_raw_b64()


def _histories(count: int, changes: int) -> Iterator[History]:
    signer = new_signer()
    for seed in range(count):
        history = History(signer, random.Random(seed))
        for _ in range(changes):
            history.change()
        yield history


def _same_answers(a: Resolver, b: Resolver, app_ids: set[str]) -> None:
    for app_id in sorted(app_ids | {"app-never-listed"}):
        for user in USERS:
            assert _answer(a, app_id, user) == _answer(b, app_id, user), (app_id, user)


def _answer(resolver: Resolver, app_id: str, user: str | None) -> object:
    try:
        return resolver.resolve(app_id, user)
    except (ManifestInvalid, SignatureInvalid):
        raise
    except Exception as refusal:  # NotReleased, Removed: compared by kind
        return type(refusal).__name__


def test_chains_of_deltas_equal_the_full_manifest_at_every_serial() -> None:
    checked = 0
    for seed, history in enumerate(_histories(count=60, changes=25)):
        rng, key = history.rng, _key(history.signer)
        for start in (0, rng.randrange(history.serial), rng.randrange(history.serial)):
            manifest = load_manifest(history.full(start), key, partner_app=PARTNER)
            while manifest.serial < history.serial:
                # From one change to all of them at once, sometimes with resent entries.
                target = rng.randint(manifest.serial + 1, history.serial)
                delta = history.delta(manifest.serial, target, noise=rng.choice([0, 0, 2]))
                manifest = load_update(delta, key, manifest)
                assert manifest == load_manifest(history.full(target), key), (seed, target)
                checked += 1
    assert checked > 500


def test_a_resolver_updated_by_deltas_answers_as_one_loaded_from_the_full_manifest() -> None:
    for history in _histories(count=15, changes=12):
        key = _key(history.signer)
        resolver = Resolver.from_envelope(history.full(0), key, base_url="https://r.example")
        for serial in range(1, history.serial + 1):
            resolver = resolver.apply_delta(history.delta(serial - 1, serial), key)
            fresh = Resolver.from_envelope(history.full(serial), key, base_url="https://r.example")
            assert resolver.manifest == fresh.manifest
            _same_answers(resolver, fresh, set(fresh.manifest.mini_programs) | {"app39"})


def test_an_empty_delta_keeps_the_manifest_and_reuses_every_compiled_program() -> None:
    history = next(_histories(count=1, changes=3))
    key = _key(history.signer)
    resolver = Resolver.from_envelope(history.full(history.serial), key)
    same = resolver.apply_delta(history.delta(history.serial, history.serial), key)
    assert same.manifest == resolver.manifest
    assert same._apps == resolver._apps  # the compiled rollouts themselves, not copies


def test_a_delta_with_a_gap_is_refused() -> None:
    history = next(_histories(count=1, changes=6))
    key = _key(history.signer)
    at_two = load_manifest(history.full(2), key)
    for since in (1, 3):
        with pytest.raises(DeltaInvalid, match=f"starts at serial {since}"):
            load_update(history.delta(since, 5), key, at_two)
    resolver = Resolver(at_two)
    with pytest.raises(DeltaInvalid):
        resolver.apply_delta(history.delta(3, 5), key)
    assert resolver.serial == 2  # unchanged: keep using it


def test_a_tampered_delta_is_refused() -> None:
    history = next(h for h in _histories(count=20, changes=4) if h.pairs)
    key = _key(history.signer)
    held = load_manifest(history.full(0), key)
    envelope = json.loads(history.delta(0, history.serial))
    tampered = [
        ("since", 1),
        ("serial", history.serial + 1),
        ("count", envelope["manifest"]["count"] + 1),
        ("partner_app", "other-wallet"),
        ("changes", {**envelope["manifest"]["changes"], "app-injected": None}),
    ]
    for name, value in tampered:
        changed = {**envelope, "manifest": {**envelope["manifest"], name: value}}
        with pytest.raises(SignatureInvalid):
            load_update(jcs_json(changed), key, held)
    forged = {**envelope, "signature": base64.b64encode(bytes(64)).decode()}
    with pytest.raises(SignatureInvalid):
        load_update(jcs_json(forged), key, held)
    with pytest.raises(SignatureInvalid):  # signed by another key than the trusted one
        load_update(History(new_signer(), random.Random(0)).delta(0, 0), key, held)


def test_a_delta_of_another_partner_app_or_of_the_wrong_size_is_refused() -> None:
    history = next(_histories(count=1, changes=3))
    key = _key(history.signer)
    held = load_manifest(history.full(0), key)
    delta = load_delta(history.delta(0, history.serial), key)
    other = Manifest("other-wallet", held.serial, held.mini_programs)
    with pytest.raises(DeltaInvalid, match="partner app"):
        apply_delta(other, delta)
    # Signed, but by a server that left out a program it dropped or added: refused.
    document = build_delta(history.snapshots[history.serial], PARTNER, 0, set(), PATH)
    assert document is not None
    wrong_size = {**document, "count": document["count"] + 1}
    with pytest.raises(DeltaInvalid, match="mini programs"):
        load_update(sign_delta(wrong_size, history.signer).body, key, held)


def test_a_delta_is_never_taken_for_a_full_manifest_nor_a_manifest_for_a_delta() -> None:
    history = next(_histories(count=1, changes=2))
    key = _key(history.signer)
    with pytest.raises(ManifestInvalid, match="not a full manifest"):
        load_manifest(history.delta(0, 2), key)
    with pytest.raises(ManifestInvalid, match="not a manifest delta"):
        load_delta(history.full(2), key)


def test_a_full_manifest_answered_to_since_replaces_the_one_in_use_unless_older() -> None:
    history = next(_histories(count=1, changes=4))
    key = _key(history.signer)
    held = load_manifest(history.full(2), key)
    assert load_update(history.full(4), key, held) == load_manifest(history.full(4), key)
    assert load_update(history.full(2), key, held) == held
    with pytest.raises(StaleManifest):
        load_update(history.full(1), key, held)


def _sdk_before_deltas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The resolver package as released before deltas (commit c6a01c2), vendored."""
    root = Path(__file__).resolve().parents[2]
    commit, folder = "c6a01c2", "src/minirelease/resolver"
    try:
        names = subprocess.run(
            ["git", "-C", str(root), "ls-tree", "--name-only", f"{commit}:{folder}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        package = tmp_path / "resolver_before_deltas"
        package.mkdir()
        for name in names:
            source = subprocess.run(
                ["git", "-C", str(root), "show", f"{commit}:{folder}/{name}"],
                capture_output=True,
                check=True,
            ).stdout
            (package / name).write_bytes(source)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("the repository's history is not available")
    monkeypatch.syspath_prepend(str(tmp_path))
    import resolver_before_deltas

    return resolver_before_deltas


def test_an_sdk_from_before_deltas_takes_the_manifest_and_refuses_a_delta(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _sdk_before_deltas(tmp_path, monkeypatch)
    history = next(h for h in _histories(count=20, changes=3) if h.pairs)
    key = _key(history.signer)
    resolver = old.Resolver.from_envelope(history.full(3), key, partner_app=PARTNER)
    fresh = Resolver.from_envelope(history.full(3), key, partner_app=PARTNER)
    assert resolver.serial == fresh.serial == 3
    for app_id in history.pairs:
        for user in USERS:
            assert repr(_answer(resolver, app_id, user)) == repr(_answer(fresh, app_id, user))
    with pytest.raises(old.ManifestInvalid, match="mini_programs"):
        old.load_manifest(history.delta(0, 3), key)
