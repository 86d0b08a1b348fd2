"""Text from outside (a browser, a model, a file) made safe to keep, and the one rule of
English the game's own sentences need (:func:`article`).

Everything that enters a game's chat or a record goes through :func:`clean_text`: the
result is valid UTF-8 (a lone surrogate such as ``"\\ud800"``, which JSON can carry and
SQLite cannot store, becomes U+FFFD), holds no control characters (they would redraw a
terminal or hide text on a page) and is bounded in length. The function is idempotent,
so text cleaned on the way in replays to exactly the same game.
"""

from __future__ import annotations

import unicodedata

MAX_CHAT_CHARS = 500
"""The longest chat message a game keeps (longer ones are cut)."""

REPLACEMENT = "\ufffd"


def article(word: str) -> str:
    """"an" before a vowel, else "a": "an onion", "a tomato", "a corridor kitchen"."""
    return "an" if word and word[0] in "aeiou" else "a"

_KEEP_IN_MULTILINE = {"\n", "\t"}


def clean_text(text: str, limit: int = MAX_CHAT_CHARS, multiline: bool = False) -> str:
    """``text`` as valid UTF-8, without control characters, at most ``limit`` characters.

    Lone surrogates become U+FFFD; control and format characters (C0, C1, DEL, bidi
    overrides, zero-width joiners) are dropped, except newlines and tabs when
    ``multiline`` (prompts and model outputs keep their lines); chat is one line, so a
    newline there becomes a space. Surrounding whitespace is stripped.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    out = []
    for ch in text[: limit * 2 + 16]:  # bounded work even for a huge input
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            out.append(REPLACEMENT)
            continue
        if ch in _KEEP_IN_MULTILINE:
            out.append(ch if multiline else " ")
            continue
        if unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u200d":
            # Cf holds the bidi overrides that reorder what a reader sees; ZWJ stays so
            # emoji sequences survive.
            continue
        out.append(ch)
    return "".join(out).strip()[:limit].strip()
