"""Resolving launches locally from one verified manifest: the same answers as the
server's ``GET /api/v1/launch/{partner_app}/{app_id}?user_id=…``, without a request."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urljoin

from .decide import (
    NOT_RELEASED_DETAIL,
    AppRollout,
    Channel,
    Decision,
    Package,
    decide,
)
from .delta import load_update
from .errors import NotReleased
from .keys import KeySource
from .manifest import Manifest, ManifestEntry, ManifestPackage, load_manifest
from .signature import PublicKeyLike


class Resolver:
    """Decides launches for one partner app from its manifest. Immutable: to take a newer
    manifest, build a new ``Resolver`` (``from_envelope(..., min_serial=old.serial)``, or
    ``old.apply_delta(...)`` for the answer to ``?since=old.serial``) and swap the
    reference; concurrent readers never see a half-built state."""

    def __init__(self, manifest: Manifest, *, base_url: str | None = None) -> None:
        """``base_url``: the server's origin (e.g. ``https://release.example.com``), joined to
        the package paths of the manifest; without it ``Package.url`` is the path."""
        self.manifest = manifest
        self._base_url = base_url
        self._apps = {
            app_id: _compile(entry, base_url) for app_id, entry in manifest.mini_programs.items()
        }

    @classmethod
    def from_envelope(
        cls,
        body: bytes | str,
        public_key: PublicKeyLike | KeySource,
        *,
        partner_app: str | None = None,
        min_serial: int | None = None,
        base_url: str | None = None,
        app_id: str | None = None,
    ) -> Resolver:
        """Verify and load the manifest as served (see ``load_manifest``); ``app_id`` for
        one mini program's manifest, which answers for that program alone."""
        manifest = load_manifest(
            body, public_key, partner_app=partner_app, min_serial=min_serial, app_id=app_id
        )
        return cls(manifest, base_url=base_url)

    def apply_delta(self, body: bytes | str, public_key: PublicKeyLike | KeySource) -> Resolver:
        """A new resolver for the manifest that follows this one's: ``body`` is the answer
        to ``GET …/manifest?since=<self.serial>``, a delta or a full manifest (see
        ``load_update``). Only the mini programs the delta changes are compiled again.
        Raises as ``load_update`` does (``DeltaInvalid`` for a gap): keep this resolver."""
        manifest = load_update(body, public_key, self.manifest)
        previous = self.manifest.mini_programs
        resolver = Resolver.__new__(Resolver)
        resolver.manifest = manifest
        resolver._base_url = self._base_url
        resolver._apps = {
            app_id: self._apps[app_id]
            if previous.get(app_id) is entry
            else _compile(entry, self._base_url)
            for app_id, entry in manifest.mini_programs.items()
        }
        return resolver

    @property
    def serial(self) -> int:
        return self.manifest.serial

    @property
    def partner_app(self) -> str:
        return self.manifest.partner_app

    def resolve(self, app_id: str, user_id: str | None) -> Decision:
        """What ``user_id`` (a str; None or "" for no user) gets at launch of ``app_id``.
        Raises ``NotReleased`` (also for a mini program not on this partner app) or
        ``Removed``; ``UnicodeEncodeError`` for a str that is not valid Unicode."""
        rollout = self._apps.get(app_id)
        if rollout is None:
            raise NotReleased(NOT_RELEASED_DETAIL)
        return decide(rollout, user_id)

    def resolve_many(self, app_id: str, user_ids: Iterable[str | None]) -> list[Decision | None]:
        """``resolve`` for each user id, in order, with None where it would raise
        ``NotReleased``. Raises ``Removed`` (it applies to everyone)."""
        rollout = self._apps.get(app_id)
        if rollout is None:
            return [None for _ in user_ids]
        return list(map(rollout.choose, user_ids))


def _compile(entry: ManifestEntry, base_url: str | None) -> AppRollout[Decision]:
    def answer(channel: Channel, package: ManifestPackage) -> Decision:
        url = urljoin(base_url, package.url) if base_url else package.url
        return Decision(
            channel=channel,
            release_id=package.release_id,
            version=package.version,
            package=Package(
                url=url,
                sha256=package.sha256,
                size=package.size,
                signature=package.signature,
                key_id=package.key_id,
            ),
        )

    online = None if entry.online is None else answer(Channel.ONLINE, entry.online)
    candidate = entry.candidate
    if entry.removed or candidate is None:
        return AppRollout(removed=entry.removed, online=online)
    return AppRollout(
        removed=False,
        online=online,
        candidate_release_id=candidate.package.release_id,
        pilot=answer(Channel.PILOT, candidate.package),
        grayscale=answer(Channel.GRAYSCALE, candidate.package),
        state=candidate.state,
        basis_points=candidate.basis_points,
        halted=candidate.halted,
        tester_salt=candidate.tester_salt,
        tester_digests=candidate.testers,
    )
