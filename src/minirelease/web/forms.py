"""Reading console form fields into the values the services take."""

from __future__ import annotations

from minirelease.errors import ValidationFailed


def lines(text: str) -> list[str]:
    """One entry per line (commas also separate), blanks dropped, order kept."""
    entries = [part.strip() for line in text.splitlines() for part in line.split(",")]
    return [entry for entry in entries if entry]


def whole_number(text: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValidationFailed(f"{field}: expected a whole number", field=field) from None


def field_errors(exc: ValidationFailed) -> dict[str, str]:
    """The field a validation error names (``field`` or the start of its detail, as in
    ``"capability_profile.jsapis[2]: …"``), mapped to its message."""
    field = exc.extra.get("field")
    if not isinstance(field, str):
        head, sep, _ = exc.detail.partition(":")
        field = head if sep and " " not in head else "form"
    return {field.split(".")[0].split("[")[0]: exc.detail}
