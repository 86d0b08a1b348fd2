"""Slots from a message: vegetables, soups, counts, order positions.

Rules, not a model: the words are few and closed, and a rule is exact where a model
would guess. Typos are forgiven by edit distance; a few other languages are covered by
their words for the vegetables and the small numbers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

VEGETABLE_WORDS = {
    "tomato": ("tomato", "tomatoes", "tomatos", "tomatoe", "tomate", "tomates", "tomaten", "tomatoe"),
    "lettuce": ("lettuce", "lettuces", "salad", "lechuga", "lechugas", "laitue", "laitues", "salat"),
    "onion": ("onion", "onions", "cebolla", "cebollas", "oignon", "oignons", "zwiebel", "zwiebeln"),
}
SOUP_WORDS = {"alice": ("alice",), "bob": ("bob", "bobs"), "cathy": ("cathy", "cathys"),
              "david": ("david", "davids")}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "couple": 2, "few": 3,
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4,
    "eins": 1, "ein": 1, "eine": 1, "zwei": 2, "drei": 3, "vier": 4,
}
ORDINALS = {"first": 0, "1st": 0, "oldest": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2,
            "last": -1, "newest": -1}


@dataclass(frozen=True)
class Slots:
    """What the message names, if anything."""

    vegetables: tuple[str, ...] = ()
    soups: tuple[str, ...] = ()
    count: int | None = None
    ordinal: int | None = None  # index into the open orders (-1 = last)
    clauses: tuple = ()  # the message's clauses (who does what), see :func:`clauses`
    until: bool = False  # "... until I say stop": the work goes on until told otherwise


def normalise(text: str) -> str:
    """Lower case, accents folded, for matching."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", normalise(text))


def _close(word: str, target: str) -> bool:
    """Equal, or one edit apart for words long enough that a typo is likely a typo."""
    if word == target:
        return True
    if min(len(word), len(target)) < 5 or abs(len(word) - len(target)) > 1:
        return False
    # One insertion, deletion, substitution or adjacent swap.
    if len(word) == len(target):
        diff = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and word[diff[0]] == target[diff[1]]
                                  and word[diff[1]] == target[diff[0]])
    short, long_ = sorted((word, target), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _match(word: str, table: dict[str, tuple[str, ...]]) -> str | None:
    for name, forms in table.items():
        if any(_close(word, f) for f in forms):
            return name
    return None


def _soup(word: str) -> str | None:
    if word.startswith("bob") and len(word) <= 5:  # "bobb", "bobby": too short for edit distance
        return "bob"
    return _match(word, SOUP_WORDS)


def extract(text: str, with_clauses: bool = True) -> Slots:
    """All slots of a message, in the order they appear (and its clauses)."""
    vegs: list[str] = []
    soups: list[str] = []
    count = ordinal = None
    tokens = words(text[:2000])  # a 100 KB message is read no further than this
    for i, w in enumerate(tokens):
        if w in _VERB_OF:  # "slice" is one edit from "alice": a verb is never a name
            continue
        veg = _match(w, VEGETABLE_WORDS)
        if veg and veg not in vegs:
            vegs.append(veg)
            continue
        soup = _soup(w)
        if soup and soup not in soups:
            soups.append(soup)
            continue
        if count is None:
            if w.isdigit() and 0 < int(w) < 20:
                count = int(w)
            elif w in NUMBER_WORDS:
                count = NUMBER_WORDS[w]
            elif w in ("a", "an") and i + 1 < len(tokens) and _match(tokens[i + 1], VEGETABLE_WORDS):
                count = 1
        if ordinal is None and w in ORDINALS:
            ordinal = ORDINALS[w]
    return Slots(tuple(vegs), tuple(soups), count, ordinal,
                 clauses(text) if with_clauses else (), bool(_UNTIL.search(normalise(text[:2000]))))


# ---------------------------------------------------------------------- who does what
# Words, not phrasings: a message is cut into clauses, and each clause gets an actor (the
# speaker, the agent, or nobody said), a negation, a verb class and its objects. This is
# what tells "I'll cook, you chop" (the agent chops) from "you cook, I'll chop", and
# "don't touch the tomatoes" (a prohibition) from "chop the tomatoes".
_SPEAKER = {"i", "im", "ill", "ive", "id", "imma", "ima", "myself"}
_SPEAKER_OBJ = {"me", "my", "mine"}
_AGENT = {"you", "u", "ya", "youre", "your", "yours", "yourself", "ur"}
_TEAM = {"we", "lets", "us"}
_POLITE = {"can", "could", "would", "will", "please", "pls", "plz", "go", "just", "now", "quick"}
_FILLER = {"ok", "okay", "so", "hey", "alright", "right", "then", "now", "also", "and", "well",
           "um", "uh", "hmm", "oh", "yeah", "yes", "sure", "fine", "cool", "k", "but", "plus"}
_NEGATION = {"dont", "don", "not", "never", "no", "stop", "avoid", "skip", "without", "cant",
             "leave", "forget", "ignore", "except", "nothing", "off", "away", "alone"}
_WANT = {"need", "needs", "want", "like"}
_ASKING = {"can", "could", "would", "will", "please", "pls", "plz", "keep"}
_NOT_NARRATION = {"nothing", "something", "everything", "anything", "morning", "evening", "thing",
                  "king", "ring", "bring", "string", "sing", "boring", "amazing", "during"}
_PRONOUNS = {"it", "that", "them", "those", "this", "one"}
_REST = {"rest", "others", "other", "remaining", "everything", "else", "anything"}
VERB_WORDS = {
    "chop": {"chop", "chops", "chopping", "chopped", "cut", "cuts", "cutting", "dice", "dicing",
             "slice", "slicing", "prep", "prepping", "mince", "peel"},
    "cook": {"cook", "cooks", "cooking", "make", "making", "boil", "boiling", "start", "starting",
             "prepare", "preparing", "pot", "pots", "stove", "whip", "brew", "assemble"},
    "serve": {"serve", "serving", "deliver", "delivering", "plate", "plating", "window", "ship",
              "send", "bring", "carry"},
    "extinguish": {"fire", "fires", "extinguish", "extinguisher", "spray", "burning", "flames"},
}
_VERB_OF = {w: v for v, ws in VERB_WORDS.items() for w in ws}


@dataclass(frozen=True)
class Clause:
    """One clause of a message: who, whether negated, what kind of work, on what."""

    actor: str  # "speaker", "agent" (incl. imperative and "we"), or "" (not said)
    negated: bool
    verb: str | None  # chop, cook, serve, extinguish, or None (do/handle/take...)
    vegetables: tuple[str, ...] = ()
    soups: tuple[str, ...] = ()
    count: int | None = None
    rest: bool = False  # "the rest", "the others", "everything else"
    excluded: tuple[str, ...] = ()  # "everything but bob": soups/vegetables left out
    ordinal: int | None = None  # "the first order" (index into the open orders)


_UNTIL = re.compile(r"\b(?:until|till|til|untill)\b[^,;.!?:()\n]*")
"""An until-clause ("until I say stop", "till the end"), up to the end of its clause."""
_SPLIT = re.compile(r"[,;.!?:()\n]+|\s-\s|\b(?:and then|then|while|whereas|but|so|and)\b")


def clauses(text: str) -> tuple[Clause, ...]:
    """The message cut into clauses, each with its actor, negation, verb and objects.

    A clause that names no actor or verb takes them from the one before ("chop tomatoes
    and onions"); a pronoun takes the objects of the one before ("skip bob, I've got it").
    """
    norm = normalise(text[:2000])
    # "everything but X" / "all except X": X is an exclusion, not a new clause.
    norm = re.sub(r"\b(everything|all|anything|rest|others)\s+(but|except)\b", r"\1 except", norm)
    # "keep chopping until I say stop", "till we have enough": an until-clause says when
    # the work ends, not what to do or not to do; its "stop" is no prohibition.
    norm = _UNTIL.sub(" ", norm)
    out: list[Clause] = []
    prev: Clause | None = None
    for part in _SPLIT.split(norm):
        toks = re.findall(r"[a-z0-9]+", part)
        if not toks:
            continue
        clause = _clause(toks, prev)
        if clause is None:
            continue
        out.append(clause)
        prev = clause
    return tuple(out)


def _clause(toks: list[str], prev: Clause | None) -> Clause | None:
    slots = extract(" ".join(toks), with_clauses=False)
    head = [t for t in toks if t not in _FILLER]
    first = head[0] if head else ""
    has = set(toks)
    actor = ""
    # "I need lettuce chopped", "I'd like two onions", "chopped by you": a request; but
    # "I need to cook bob" is the speaker's own plan.
    wants = any(t in _WANT and (i + 1 >= len(toks) or toks[i + 1] != "to") for i, t in enumerate(toks))
    if wants or ("by" in toks and bool(has & _AGENT)):
        actor = "agent"
    elif first in _SPEAKER or (first == "let" and len(head) > 1 and head[1] == "me"):
        actor = "speaker"
    elif first in _AGENT or first in _TEAM or first in _POLITE or has & _AGENT:
        actor = "agent"
    elif has & _SPEAKER:
        actor = "speaker"
    elif (has & _SPEAKER_OBJ) and not (has & {"for", "give", "bring", "pass", "hand", "get"}) \
            and not any(t in _VERB_OF for t in toks):
        # "bob is mine", "leave bob to me", "bob is on me" (but not "chop one for me")
        actor = "speaker"
    elif first.endswith("ing") and len(first) > 4 and first not in _NOT_NARRATION \
            and _VERB_OF.get(first) != "extinguish" and not has & _ASKING:
        # "working on David now", "making the bob": a clause led by a gerund is the speaker
        # saying what they are doing (novice, bottleneck: read as "cook David", the agent
        # cooked a second David nobody had ordered)
        actor = "speaker"
    elif first in _VERB_OF or first in _NEGATION or first in ("do", "take", "handle", "get", "grab"):
        actor = "agent"  # an imperative
    # "leave bob to me" is the speaker's claim, not a prohibition on the speaker
    negated = bool(has & _NEGATION) and not (actor == "speaker" and first == "leave")
    if "t" in has and ({"don", "can", "won", "didn"} & has):
        negated = True
    if negated and "stop" in has and has & {"dont", "don", "never", "not"}:
        negated = False  # "don't stop": keep going
    verb = next((_VERB_OF[t] for t in toks if t in _VERB_OF), None)
    vegs, soups = slots.vegetables, slots.soups
    excluded: tuple[str, ...] = ()
    if "except" in toks:
        cut = toks.index("except")
        after = extract(" ".join(toks[cut + 1:]), with_clauses=False)
        excluded = after.soups + after.vegetables
        vegs = tuple(v for v in vegs if v not in after.vegetables)
        soups = tuple(s for s in soups if s not in after.soups)
        negated = bool(set(toks[:cut]) & (_NEGATION - {"except"}))
    rest = bool(has & _REST) and not (has & {"myself"}) and not re.search(
        r"\brest of (?:the |this )?(?:game|round|match|time)\b", " ".join(toks))
    if not (vegs or soups) and (has & _PRONOUNS) and prev is not None:
        vegs, soups = prev.vegetables, prev.soups
    if not actor and negated:
        actor = "agent"  # "keep off the tomatoes": a prohibition is addressed to the listener
    if prev is not None and not actor and verb is None and (vegs or soups):
        # "chop tomatoes and onions": the second part shares the first one's actor and verb
        # (a verb for vegetables does not carry over to soups, nor the reverse)
        same = prev.verb is None or (prev.verb == "chop") == bool(vegs and not soups)
        return Clause(prev.actor, prev.negated, prev.verb if same else None, vegs, soups,
                      slots.count or prev.count, rest, excluded, slots.ordinal)
    if not (actor or verb or vegs or soups or rest or slots.ordinal is not None):
        return None
    return Clause(actor, negated, verb, vegs, soups, slots.count, rest, excluded, slots.ordinal)
