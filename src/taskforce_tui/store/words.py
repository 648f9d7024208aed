"""Words as the text filter sees them, for a search of one or two characters.

One or two typed characters are the start of a word (a user typing "vi" is on the way
to "via" or "Vigevano", not looking for every "avvio"): they match a practice whose
protocol or subject has a word starting with them, or whose Comune or type name does.
Words are split and folded as the `practice_words` index does (FTS5 unicode61 with
remove_diacritics 2): runs of letters and digits, lower case, accents removed. From
three characters on, the filter is a substring match (the trigram index).
"""

from __future__ import annotations

import re
import unicodedata

#: Up to this many characters the text filter matches the start of words.
SHORT_TEXT = 2

_WORD = re.compile(r"[^\W_]+")
#: What NFKD splits off a letter: its accents.
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower case without accents ("Città" -> "citta"). Called on every row a short
    search checks: plain ASCII returns at once, the rest in two C calls."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return _MARKS.sub("", unicodedata.normalize("NFKD", lowered))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def short_word(text: str) -> str | None:
    """The word start a short search means ("Vi" -> "vi"); None if the search is
    longer, or has no letter or digit (nothing can match it)."""
    text = text.strip()
    if not text or len(text) > SHORT_TEXT:
        return None
    found = words(text)
    return found[0] if found else None


def starts_a_word(prefix: str, *texts: str | None) -> bool:
    """Whether a word of any of the texts starts with `prefix` (already folded)."""
    for text in texts:
        if not text:
            continue
        folded = fold(text)
        at = folded.find(prefix)
        while at >= 0:
            if at == 0 or not folded[at - 1].isalnum():
                return True
            at = folded.find(prefix, at + 1)
    return False


def fts_prefix(prefix: str) -> str:
    """The `practice_words` query for the words starting with `prefix`."""
    return f'"{prefix}"*'
