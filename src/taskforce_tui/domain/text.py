"""Text helpers: matching names the way a person types them."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


def normalize(text: str) -> str:
    """Casefold, strip accents, unify apostrophes and collapse spaces.

    >>> normalize("  Cantù ")
    'cantu'
    >>> normalize("Sant’Angelo  Lodigiano")
    "sant'angelo lodigiano"
    """
    if text.isascii():  # most names and titles: the same result, without NFKD
        return " ".join(text.replace("`", "'").split()).casefold()
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip().casefold()
