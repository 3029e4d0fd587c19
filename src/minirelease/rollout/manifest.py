"""The signed manifest of one partner app (issue 5, item 2): every listed mini program's
online package and candidate (pilot or grayscale), from which a partner app's backend
resolves launches itself with the server's rule (minirelease.resolver).

The body is the RFC 8785 (JCS) encoding of ``{"manifest": M, "signature", "key_id",
"algorithm", "canonicalization": "jcs"}`` with an Ed25519 signature over ``jcs_json(M)``,
which any language can reproduce (issue 13). Every number in M is an integer far within
JCS's 2**53 (a serial that counts changes, package sizes in bytes, basis points up to
10000): ``jcs_json`` refuses any other rather than sign it. It holds no personal data: pilot
testers appear as ``sha256(release_id + ":" + user_id)`` (the SDK's ``tester_digest``),
salted per release so one person's hash differs from one release to the next."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, overload

from minirelease.http.content_codings import CodedBodies
from minirelease.resolver.canonical import JCS, jcs_json
from minirelease.resolver.decide import tester_digest
from minirelease.rollout.resolve import Package, PairRollout
from minirelease.rollout.state import RolloutSnapshot

FORMAT = 1
ALGORITHM = "Ed25519"


class ManifestSigner(Protocol):
    @property
    def key_id(self) -> str: ...

    def sign(self, data: bytes) -> str: ...


@dataclass(frozen=True)
class SignedManifest:
    serial: int
    body: bytes  # the envelope, canonical JSON
    # Quoted. Strong for a partner app's manifest: the same bytes give the same tag in every
    # process; weak for one program's, which names what it says (program_manifest.py).
    etag: str
    # The body compressed in each coding a client asks for, made once, on the first such
    # request, and dropped with the manifest (http/content_codings.py).
    coded: CodedBodies = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "coded", CodedBodies(self.body))


def _package(package: Package, packages_path: str) -> dict[str, Any]:
    return {
        "release_id": package.release_id,
        "version": package.version,
        "sha256": package.sha256,
        "size": package.size,
        "signature": package.signature,
        "key_id": package.key_id or None,
        "url": packages_path + package.sha256,
    }


def manifest_entry(pair: PairRollout, packages_path: str) -> dict[str, Any]:
    """One mini program's entry, as the full manifest and its deltas hold it."""
    if pair.removed:
        return {"removed": True, "online": None, "candidate": None}
    online = _package(pair.online, packages_path) if pair.online is not None else None
    candidate = None
    if pair.candidate is not None:
        salt = pair.candidate.release_id
        grayscale = pair.candidate_status == "grayscale"
        candidate = _package(pair.candidate, packages_path) | {
            "state": "grayscale" if grayscale else "pilot",
            "basis_points": pair.basis_points if grayscale else 0,
            "halted": pair.halted,
            "tester_salt": salt,
            "testers": sorted(tester_digest(salt, user).hex() for user in pair.testers),
        }
    return {"removed": False, "online": online, "candidate": candidate}


def build_manifest(
    snapshot: RolloutSnapshot, partner_code: str, packages_path: str
) -> dict[str, Any] | None:
    """M for ``partner_code``, or None when there is no such partner app. ``packages_path``
    is the path packages are downloaded under, ending in '/' (e.g. '/api/v1/packages/')."""
    pairs = snapshot.partners.get(partner_code)
    if pairs is None:
        return None
    return {
        "format": FORMAT,
        "partner_app": partner_code,
        "serial": snapshot.serial,
        "mini_programs": {
            app_id: manifest_entry(pair, packages_path) for app_id, pair in pairs.items()
        },
    }


def sign_manifest(manifest: dict[str, Any], signer: ManifestSigner) -> bytes:
    """The envelope's JCS bytes. The manifest is encoded once: its JCS bytes are both what
    is signed and, spliced between the other keys in sorted order (algorithm,
    canonicalization, key_id, manifest, signature), the envelope's ``manifest`` value, so
    the result is exactly ``jcs_json(envelope)`` at half the cost."""
    signed = jcs_json(manifest)
    head = jcs_json({"algorithm": ALGORITHM, "canonicalization": JCS, "key_id": signer.key_id})
    tail = jcs_json({"signature": signer.sign(signed)})
    return head[:-1] + b',"manifest":' + signed + b"," + tail[1:]


K = TypeVar("K", bound=Hashable)
# Builds and signs the manifest of a key (a partner app's code) of a snapshot; None: no such.
ManifestBuilder = Callable[[RolloutSnapshot, K, str, ManifestSigner], SignedManifest | None]
# What a key's manifest is made of in a snapshot: while it stays equal, the held manifest
# still says the same and is served for newer serials too (program_manifest.py).
ManifestBasis = Callable[[RolloutSnapshot, K], object]


def sign_partner_manifest(
    snapshot: RolloutSnapshot, partner_code: str, packages_path: str, signer: ManifestSigner
) -> SignedManifest | None:
    manifest = build_manifest(snapshot, partner_code, packages_path)
    if manifest is None:
        return None
    body = sign_manifest(manifest, signer)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    return SignedManifest(serial=snapshot.serial, body=body, etag=etag)


@dataclass(frozen=True)
class _Held:
    history: object
    key_id: str
    signed: SignedManifest
    basis: object = None


class ManifestCache(Generic[K]):
    """The newest signed manifest of each key: a partner app's code by default. Each
    (key, serial, signing key) is built and signed once: concurrent requests for one being
    built wait for that build instead of making their own, and requests between two changes
    get the held bytes. A held manifest is never replaced by one of an older serial: a
    request that read the snapshot just before a change and builds slowly gets its own
    manifest, but the next requests keep the newer one. A request whose snapshot is older
    than the one held is answered the held one, which is newer.

    With ``basis``, a held manifest is also served for a newer snapshot in which the key's
    basis is unchanged (equal), so it is rebuilt only when what it says changes. With
    ``limit``, at most that many keys are held, the least recently requested dropped."""

    @overload
    def __init__(self: ManifestCache[str]) -> None: ...

    @overload
    def __init__(
        self,
        build: ManifestBuilder[K],
        *,
        basis: ManifestBasis[K] | None = None,
        limit: int | None = None,
    ) -> None: ...

    def __init__(
        self,
        build: ManifestBuilder[Any] = sign_partner_manifest,
        *,
        basis: ManifestBasis[K] | None = None,
        limit: int | None = None,
    ) -> None:
        self._build = build
        self._basis = basis
        self._limit = limit
        self._lock = threading.Lock()
        self._held: dict[K, _Held] = {}
        self._building: dict[tuple[K, object, int, str], Future[SignedManifest | None]] = {}

    def get(
        self,
        snapshot: RolloutSnapshot,
        key: K,
        packages_path: str,
        signer: ManifestSigner,
    ) -> SignedManifest | None:
        basis = None if self._basis is None else self._basis(snapshot, key)
        building_key = (key, snapshot.history, snapshot.serial, signer.key_id)
        with self._lock:
            signed = self._served(snapshot, key, signer.key_id, basis)
            if signed is not None:
                return signed
            building = self._building.get(building_key)
            if building is None:
                future: Future[SignedManifest | None] = Future()
                self._building[building_key] = future
        if building is not None:
            return building.result()
        try:
            signed = self._build(snapshot, key, packages_path, signer)
        except BaseException as exc:
            with self._lock:
                del self._building[building_key]
            future.set_exception(exc)  # the waiters fail as this request does
            raise
        with self._lock:
            del self._building[building_key]
            if signed is not None:
                self._hold(key, _Held(snapshot.history, signer.key_id, signed, basis))
        future.set_result(signed)
        return signed

    def held(self, snapshot: RolloutSnapshot, key: K, key_id: str) -> SignedManifest | None:
        """What ``get`` would answer at once, or None where it would build (or wait for a
        build): never builds nor waits, for callers that must not (the event loop's
        manifest lane, api/manifest_lane.py). None says nothing of whether the key
        exists: ``get`` tells."""
        basis = None if self._basis is None else self._basis(snapshot, key)
        with self._lock:
            return self._served(snapshot, key, key_id, basis)

    def _served(
        self, snapshot: RolloutSnapshot, key: K, key_id: str, basis: object
    ) -> SignedManifest | None:
        """The held manifest that answers for ``snapshot``, made the most recently
        requested; None when there is none. Called with the lock held."""
        held = self._held.get(key)
        if held is None or not self._serves(held, snapshot, key_id, basis):
            return None
        if self._limit is not None:
            self._held[key] = self._held.pop(key)  # the most recently requested
        return held.signed

    def _serves(self, held: _Held, snapshot: RolloutSnapshot, key_id: str, basis: object) -> bool:
        if held.history is not snapshot.history or held.key_id != key_id:
            return False
        if held.signed.serial >= snapshot.serial:
            return True
        return self._basis is not None and held.basis == basis

    def _hold(self, key: K, fresh: _Held) -> None:
        if not _newer(fresh, self._held.get(key)):
            return
        self._held.pop(key, None)
        self._held[key] = fresh
        if self._limit is not None and len(self._held) > self._limit:
            del self._held[next(iter(self._held))]


def _newer(fresh: _Held, held: _Held | None) -> bool:
    """Whether ``fresh`` should replace ``held``: a newer serial, or the same one signed
    with another key (a rotation), or another history (the rollout cache started again)."""
    if held is None or fresh.history is not held.history:
        return True
    if fresh.signed.serial != held.signed.serial:
        return fresh.signed.serial > held.signed.serial
    return fresh.key_id != held.key_id
