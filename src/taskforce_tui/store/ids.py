"""Record ids and the wall clock of the store: a leaf module (standard library only),
so the repositories and the op log import it without importing store/db.py, which
imports them."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_last_id_ms = 0
_id_counter = 0


def new_id() -> str:
    """A time-ordered UUID (version 7, RFC 9562): random enough to be unique across
    laptops, and increasing, so the B-trees keyed on ids (the records' primary keys,
    the op log's record index, the field versions) are appended to instead of written
    at random pages: a bulk import of 50,000 practices touches far fewer pages. Within
    one millisecond a 12-bit counter keeps them increasing (RFC 9562, method 1)."""
    global _last_id_ms, _id_counter
    ms = time.time_ns() // 1_000_000
    if ms > _last_id_ms:
        _last_id_ms, _id_counter = ms, int.from_bytes(os.urandom(2), "big") >> 5
    else:
        _id_counter += 1
        if _id_counter > 0xFFF:  # more than ~2,000 ids in one millisecond
            _last_id_ms, _id_counter = _last_id_ms + 1, 0
    value = (
        (_last_id_ms & 0xFFFFFFFFFFFF) << 80
        | 0x7 << 76
        | _id_counter << 64
        | 0b10 << 62
        | int.from_bytes(os.urandom(8), "big") >> 2
    )
    text = f"{value:032x}"  # what str(uuid.UUID(int=value)) gives, 3x faster
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
