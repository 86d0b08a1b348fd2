"""Features of a message for the intent head: its sentence embedding plus a few lexical
cues (keyword groups, a question mark, a number, a vegetable or soup named). The cues help
where the English embedding model is weak: other languages, typos, one-word messages."""

from __future__ import annotations

import re

import numpy as np

from dualmind.agents.language.slots import extract, normalise, tidy

MAX_CHARS = 500  # what the interpreter reads of a message (a 100 KB paste is not a command)

CUES: dict[str, tuple[str, ...]] = {
    "chop": ("chop", "cut", "dice", "slice", "prep", "corta", "cortar", "cortando", "pica", "coupe",
             "couper", "schneide", "schneiden", "hacke"),
    "cook": ("cook", "make", "start", "pot", "stove", "soup", "sopa", "soupe", "koch", "mach", "haz"),
    "serve": ("serve", "deliver", "plate", "window", "send", "dish", "ship", "sirve", "sers",
              "servier", "customer"),
    "fire": ("fire", "burn", "burning", "flame", "flames", "extinguish", "extinguisher", "smoke",
             "feuer", "fuego", "incendio", "feu", "brennt"),
    "more": ("more", "another", "again", "once", "encore", "mas", "otra", "noch", "nochmal",
             "moar", "same", "repeat", "extra"),
    "keep": ("keep", "always", "now on", "duty", "all game", "rest of", "until", "continu",
             "sigue", "stick", "nonstop", "forever", "weiter", "guy", "person", "stay on"),
    "split": ("i'll", "ill", "i'm", "im ", "i got", "mine", "on me", "leave", "except", "rest",
              "others", "other", "yours", "skip", "split", "i take", "i do", "yo hago", "je fais",
              "ich mache"),
    "urgent": ("expir", "time out", "running out", "run out", "almost", "lose", "losing", "late",
               "urgent", "hurry", "seconds", "nearly", "about to", "timer", "deadline", "acaba",
               "ab ", "bientot", "low on"),
    "ask": ("what", "which", "how", "whats", "recipe", "ingredient", "cual", "que ", "qu'",
            "welche", "was ", "quelles", "tell me", "remind", "list", "need"),
    "none": ("never mind", "nevermind", "nvm", "whatever", "forget", "ignore", "ok", "thanks",
             "lol", "haha", "cool", "nice", "good", "fine", "prompt", "instructions", "system"),
}
CUE_NAMES = (*CUES, "question_mark", "number", "vegetable", "soup", "short")
# A cue matches at the start of a word ("start" must not fire inside "im_start").
_CUE_RES = {name: re.compile("|".join(r"(?<![a-z0-9_])" + re.escape(k) for k in keys))
            for name, keys in CUES.items()}


def cues(text: str) -> np.ndarray:
    """The lexical cue vector of one message."""
    t = " " + normalise(text)[:MAX_CHARS] + " "
    slots = extract(text[:MAX_CHARS])
    out = [float(bool(pattern.search(t))) for pattern in _CUE_RES.values()]
    out += [float("?" in t), float(slots.count is not None), float(bool(slots.vegetables)),
            float(bool(slots.soups)), float(len(re.findall(r"[a-z0-9]+", t)) <= 2)]
    return np.asarray(out, dtype=np.float32)


def clean(text: str) -> str:
    """Printable text only, cut to MAX_CHARS (binary junk and huge pastes are harmless),
    tidied (:func:`~dualmind.agents.language.slots.tidy`)."""
    text = text if isinstance(text, str) else ""
    return tidy("".join(c if c.isprintable() else " " for c in text[:MAX_CHARS]).strip())
