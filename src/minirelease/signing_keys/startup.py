"""What a process does with its signing key before it serves or works: load it (the
configured one, or the data directory's) and claim it in the database, which refuses a
process whose key is not the platform's active signing key."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from minirelease.build.signing import Signer, load_or_create_signing_key
from minirelease.config import Settings
from minirelease.signing_keys import service
from minirelease.uow import UnitOfWork


def load_signer(settings: Settings) -> Signer:
    """The key this process is configured with; not yet checked against the database."""
    return load_or_create_signing_key(
        settings.data_dir, settings.signing_key_pem, settings.signing_key_file
    )


def claim_signing_key(session_factory: sessionmaker[Any], signer: Signer) -> None:
    """Record ``signer``'s key as the active one when none is, or check it is the active one.
    Raises ``SigningKeyMismatch``. Two processes recording different first keys at once:
    one insert wins (one active key, a unique index), the other process sees it on retry."""
    public_raw = signer.public_key_raw()
    for attempt in (1, 2):
        try:
            with UnitOfWork(session_factory) as uow:
                service.claim(uow.session, public_key_raw=public_raw)
                uow.commit()
            return
        except IntegrityError:
            if attempt == 2:
                raise
