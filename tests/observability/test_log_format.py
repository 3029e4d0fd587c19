"""The log formatters and the request log's pieces, without a server: secrets masked in
messages, fields and query strings; request ids taken only when sane."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets

from sqlalchemy.exc import OperationalError

from minirelease.observability.logs import JsonFormatter, TextFormatter, scrub
from minirelease.observability.requests import request_id_of, safe_query

TOKEN = "mr_" + "A1b2" * 10
KEY = "mrk_" + "Zz9-" * 8
SECRET = "whsec_" + "c2VjcmV0c2VjcmV0c2VjcmV0"


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.makeLogRecord({"name": "t", "levelno": 20, "levelname": "INFO"})
    made.msg, made.args = message, args
    made.__dict__.update(extra)
    return made


def test_secrets_are_masked_in_messages_and_fields() -> None:
    line = JsonFormatter().format(
        record(
            "calling with %s and Authorization: Bearer abc.def",
            TOKEN,
            detail=f"key {KEY}, secret {SECRET}",
            status=200,
        )
    )
    parsed = json.loads(line)
    assert parsed["message"] == "calling with *** and Authorization: ***"
    assert parsed["detail"] == "key ***, secret ***"
    assert parsed["status"] == 200
    for secret in (TOKEN, KEY, SECRET, "abc.def"):
        assert secret not in line
    assert scrub("plain words stay") == "plain words stay"


def test_text_lines_are_masked_too_and_name_the_request() -> None:
    text = TextFormatter().format(record("token %s", TOKEN, request_id="r1", job_id=None))
    assert TOKEN not in text and text.endswith("[request_id=r1]")


def test_secret_looking_query_parameters_are_masked() -> None:
    assert safe_query(b"") == ""
    assert safe_query(b"user_id=alice&token=abc&X-Api-Key=k&page=2") == (
        "user_id=alice&token=***&X-Api-Key=***&page=2"
    )
    assert safe_query(f"q={TOKEN}".encode()) == "q=***"
    assert safe_query(b"password=hunter2&session_id=s") == "password=***&session_id=***"


def test_request_ids_are_taken_only_when_sane() -> None:
    assert request_id_of([(b"x-request-id", b"abc-1.2:3")]) == "abc-1.2:3"
    for hostile in (b"", b"a b", b"x" * 129, b"<script>", "é".encode()):
        made = request_id_of([(b"x-request-id", hostile)])
        assert len(made) == 16 and made != hostile.decode("utf-8", "replace")
    assert request_id_of([]) != request_id_of([])


def test_token_like_query_values_are_masked_whatever_their_name() -> None:
    session_secret = secrets.token_urlsafe(32)
    csrf = hashlib.sha256(b"x").hexdigest()
    assert safe_query(f"q={session_secret}&ref={csrf}".encode()) == "q=***&ref=***"
    # Our ids and short values stay readable: they are what a request log is read for.
    kept = "mini_program_id=mp_01m981sk92q2f2zfqab21ssfyt&page=2&action=release.create"
    assert safe_query(kept.encode()) == kept


def test_sql_errors_keep_their_statement_but_not_their_values() -> None:
    password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
    error = OperationalError(
        "UPDATE users SET password_hash=? WHERE users.id = ?",
        (password_hash, "usr_01m981sk8r4f01myfz72twva31"),
        Exception("database is locked"),
    )
    line = JsonFormatter().format(record("database unavailable: %s", error))
    message = json.loads(line)["message"]
    assert "UPDATE users SET password_hash=?" in message
    assert "[parameters: ***]" in message
    assert password_hash not in line
