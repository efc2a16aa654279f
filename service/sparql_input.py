"""Reading a SPARQL protocol request: URL and form parameters, direct bodies, strictly UTF-8,
within size limits. Problems raise domain errors (:class:`cradle.core.errors.ProtocolViolation`
and its kinds); ``service/errors.py`` gives them their HTTP status."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import anyio.to_thread
from fastapi import Request

from cradle.core.errors import (
    BodyTooLarge,
    ProtocolViolation,
    UnsupportedMediaType,
    UpdateRefused,
)

FORM = "application/x-www-form-urlencoded"
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
MAX_FIELDS = 1000


async def post_params(request: Request, limit: int) -> list[tuple[str, str]]:
    """Parameters of a POST: the form fields, or ``query`` = the direct body.

    Raises:
        UpdateRefused: an ``application/sparql-update`` body.
        BodyTooLarge, UnsupportedMediaType, ProtocolViolation: the body's size, media type or
            encoding.
    """
    content_type = request.headers.get("content-type", "")
    media, _, rest = content_type.partition(";")
    media = media.strip().lower()
    charset = _charset(rest)
    if media == UPDATE:
        raise UpdateRefused("this endpoint is read-only: SPARQL updates are not accepted")
    if media not in (FORM, QUERY):
        shown = media or "none"
        raise UnsupportedMediaType(
            f"Content-Type {shown!r} is not accepted: send {QUERY} or {FORM} (UTF-8)"
        )
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset {charset!r} is not accepted: send UTF-8")
    body = await _read_body(request, limit)
    if media == FORM:  # decoding escapes is Python work: not on the event loop (bench/findings.md)
        return await anyio.to_thread.run_sync(parse_params, body, "form body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolViolation("the request body is not valid UTF-8 text") from None
    return [("query", text.removeprefix("\ufeff"))]


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"the request body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_params(raw: bytes, where: str) -> list[tuple[str, str]]:
    """Form or URL parameters as (name, value) pairs, decoded strictly as UTF-8.

    Raises:
        ProtocolViolation: bytes that are not percent-encoded UTF-8 (a ``%`` not followed by
            two hexadecimal digits among them: found in one regular-expression pass before
            decoding, the slowest input to decode), or too many fields.
    """
    bad = _BAD_ESCAPE.search(raw)
    if bad is not None:
        raise ProtocolViolation(
            f"the {where} has a '%' not followed by two hexadecimal digits at byte "
            f"{bad.start()}: write a literal % as %25"
        )
    try:
        text = raw.decode("ascii") if raw.isascii() else raw.decode("utf-8")
        return parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise ProtocolViolation(f"the {where} is not valid percent-encoded UTF-8") from None
    except ValueError:
        raise ProtocolViolation(f"the {where} has more than {MAX_FIELDS} fields") from None


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None
