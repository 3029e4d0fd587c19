"""Pydantic bases for request and response bodies."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

# C0 controls but tab, newline and carriage return, and DEL: never meaningful in a name,
# an id or a description, and PostgreSQL cannot store NUL (SQLite would, silently).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control_character_path(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if _CONTROL.search(value) else None
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        found = _control_character_path(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


class Body(BaseModel):
    """Request bodies: unknown fields are errors, not silently dropped; strings are
    stripped and may not hold control characters; values keep their JSON types.

    Strict: a number is a JSON number (``"1e2"`` or ``"50"`` is text, and text read as a
    number once turned a 50 % grayscale into a full release), a boolean is ``true`` or
    ``false`` (not 1, not ``"yes"``), a list is a list. FastAPI validates the parsed
    JSON as Python values, where strict also wants an enum's member rather than its
    value: an enum field says ``Field(strict=False)``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:
        where = _control_character_path(data, "")
        if where is not None:
            raise ValueError(f"{where or 'body'}: control characters are not allowed")
        return data


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)
