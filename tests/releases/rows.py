"""Release rows written directly, in a given status, for tests that read release states
(lists and overviews) and need many of them fast, without building or reviewing."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import sessionmaker

from minirelease.ids import new_id
from minirelease.miniprograms.models import MiniProgram, Version
from minirelease.partners.models import PartnerApp
from minirelease.releases.models import Listing, Release


class ReleaseRows:
    def __init__(self, session_factory: sessionmaker[Any]) -> None:
        self.session_factory = session_factory

    def release(
        self,
        mp: MiniProgram,
        partner: PartnerApp,
        version: str,
        status: str,
        *,
        basis_points: int = 0,
        online: bool = False,
        **fields: Any,
    ) -> Release:
        """A release of ``version`` (its version row made if new); ``online`` also makes it
        the listing's online release."""
        with self.session_factory() as session:
            version_row = (
                session.query(Version)
                .filter_by(mini_program_id=mp.id, version=version)
                .one_or_none()
            )
            if version_row is None:
                version_row = Version(
                    id=new_id("ver"),
                    mini_program_id=mp.id,
                    version=version,
                    package_sha256="0" * 64,
                    package_size=100,
                    entry_count=1,
                    uncompressed_size=100,
                    app_json={"pages": ["pages/index/index"]},
                    uploaded_by=mp.created_by,
                )
                session.add(version_row)
                session.flush()
            release = Release(
                id=new_id("rel"),
                mini_program_id=mp.id,
                partner_app_id=partner.id,
                version_id=version_row.id,
                version=version,
                status=status,
                basis_points=basis_points,
                configuration={},
                created_by=mp.created_by,
                **fields,
            )
            session.add(release)
            session.flush()
            if online:
                listing = (
                    session.query(Listing)
                    .filter_by(mini_program_id=mp.id, partner_app_id=partner.id)
                    .one_or_none()
                )
                if listing is None:
                    listing = Listing(
                        id=new_id("lst"), mini_program_id=mp.id, partner_app_id=partner.id
                    )
                    session.add(listing)
                listing.online_release_id = release.id
            session.commit()
            return release

    def removed(self, mp: MiniProgram, partner: PartnerApp) -> None:
        with self.session_factory() as session:
            listing = (
                session.query(Listing)
                .filter_by(mini_program_id=mp.id, partner_app_id=partner.id)
                .one()
            )
            listing.removal_status = "removed"
            session.commit()
