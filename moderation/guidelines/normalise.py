"""Undo the usual disguises before matching words: case, accents, look-alike letters, leetspeak, spacing.

`normalised_views(text)` returns every reading of the text to match keywords against (a few variants,
because "1" may stand for "i" or "l"). Each view is lower-case ASCII words separated by single spaces.
Masked words keep their "*" ("f*ck") so the matcher can treat it as a wildcard.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters that hide inside words to break matching: zero-width spaces and joiners, soft hyphen, BOM.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u00ad\ufeff"))

#: Look-alike letters from other scripts that NFKD does not fold to ASCII.
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "к": "k",
        "м": "m",
        "т": "t",
        "в": "b",
        "н": "h",
        "ԁ": "d",
        "ɡ": "g",
        "ո": "n",
        "ս": "u",
        "α": "a",
        "β": "b",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ѵ": "v",
        "ƒ": "f",
        "¢": "c",
        "¥": "y",
        "§": "s",
        "©": "c",
        "®": "r",
        "µ": "u",
        "þ": "p",
        "ð": "d",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ı": "i",
    }
)

#: Leetspeak read inside a word (a token that also has letters); "1" is tried as both i and l.
_LEET = {
    "0": "o",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "l",
    "+": "t",
    "€": "e",
    "(": "c",
    "<": "c",
    "¡": "i",
    "2": "z",
    "6": "g",
}
_LEET_CHARS = set(_LEET) | {"1"}
_SEPARATORS = re.compile(r"[\s]+")
_NON_WORD = re.compile(r"[^a-z0-9*]+")


def fold(text: str) -> str:
    """Lower-case ASCII approximation: invisible characters dropped, accents and look-alikes folded."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).lower().translate(_CONFUSABLES)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def _deleet_token(token: str, one_as: str) -> str:
    """Map leetspeak inside a token that has at least one letter; pure numbers and punctuation stay."""
    core = token.strip(".,;:!?\"'()[]{}<>")
    if not any(c.isalpha() for c in core) or not any(c in _LEET_CHARS for c in core):
        return token
    start = token.find(core) if core else 0
    mapped = "".join(one_as if c == "1" else _LEET.get(c, c) for c in core)
    return token[:start] + mapped + token[start + len(core) :]


def _join_spelled_out(words: list[str]) -> list[str]:
    """Join runs of three or more single letters ("f u c k", "f.u.c.k") into one word."""
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and word != "*":
            run.append(word)
            continue
        if len(run) >= 3:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if word:
            out.append(word)
    return out


def _view(folded: str, one_as: str) -> str:
    tokens = [_deleet_token(t, one_as) for t in _SEPARATORS.split(folded) if t]
    words: list[str] = []
    for token in tokens:
        # A masked word keeps its stars; elsewhere any non-letter separates words.
        core = token.strip(".,;:!?\"'()[]{}<>-_")
        if "*" in core and re.fullmatch(r"[a-z][a-z*]*[a-z*]", core) and sum(c.isalpha() for c in core) >= 1:
            words.append(core)
            continue
        words.extend(w for w in _NON_WORD.sub(" ", token.replace("*", " ")).split() if w)
    return " ".join(_join_spelled_out(words))


def normalised_views(text: str) -> list[str]:
    """Every distinct normalised reading of `text` (usually one, two when a "1" sits inside a word)."""
    folded = fold(text)
    views = [_view(folded, "i")]
    if "1" in folded:
        views.append(_view(folded, "l"))
    return list(dict.fromkeys(views))


def plain_text(text: str) -> str:
    """The folded text with leetspeak undone but punctuation kept: what the semantic matcher embeds."""
    folded = fold(text)
    return " ".join(_deleet_token(t, "i") for t in _SEPARATORS.split(folded) if t)
