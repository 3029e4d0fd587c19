#!/usr/bin/env bash
# Until the first release ships, the schema is one migration regenerated from the models.
# Run after changing any model; the drift test (tests/test_migrations.py) checks the result.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f src/minirelease/migrations/versions/0001_foundation.py
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from minirelease.migrate import alembic_config
command.revision(alembic_config(f"sqlite:///{sys.argv[1]}/x.db"), message="foundation",
                 autogenerate=True, rev_id="0001")
PY
rm -rf "$tmp"
