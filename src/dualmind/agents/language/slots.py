"""Slots from a message: vegetables, soups, counts, order positions.

Rules, not a model: the words are few and closed, and a rule is exact where a model
would guess. Typos are forgiven by edit distance; a few other languages are covered by
their words for the vegetables and the small numbers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from itertools import pairwise, takewhile

from dualmind.game.items import SOUPS as _SOUP_TABLE

VEGETABLE_WORDS = {
    "tomato": ("tomato", "tomatoes", "tomatos", "tomatoe", "tomate", "tomates", "tomaten", "toms"),
    "lettuce": ("lettuce", "lettuces", "salad", "lechuga", "lechugas", "laitue", "laitues", "salat"),
    "onion": ("onion", "onions", "cebolla", "cebollas", "oignon", "oignons", "zwiebel", "zwiebeln"),
}
SOUP_WORDS = {"alice": ("alice",), "bob": ("bob", "bobs"), "cathy": ("cathy", "cathys"),
              "david": ("david", "davids")}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "couple": 2, "few": 3, "pair": 2,
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4,
    "eins": 1, "ein": 1, "eine": 1, "zwei": 2, "drei": 3, "vier": 4,
}
ORDINALS = {"first": 0, "1st": 0, "oldest": 0, "next": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2,
            "last": -1, "newest": -1}


@dataclass(frozen=True)
class Slots:
    """What the message names, if anything."""

    vegetables: tuple[str, ...] = ()
    soups: tuple[str, ...] = ()
    count: int | None = None
    ordinal: int | None = None  # index into the open orders (-1 = last)
    # The rest is read for a whole message only (``extract(..., with_clauses=True)``).
    clauses: tuple = ()  # the message's clauses (who does what), see :func:`clauses`
    until: bool = False  # "... until I say stop": the work goes on until told otherwise
    question: bool = False  # the message asks ("?")
    bids: bool = False  # it opens as a request does: a verb of work or a modal ("start...", "could...")
    about_doing: bool = False  # it opens by asking who does what ("are you on bob", "who's doing")
    standing: bool = False  # it names work with no end ("keep", "from now on", "your job")
    # a yes/no or how question alone: "state" ("is the bob done?", "how long on cathy"),
    # "orders" ("are there any orders left?") or "recipe" ("is bob lettuce and tomato?")
    asks: str = ""


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
    if len(word) == 4:
        # "cok the davd", "alce": a letter dropped from a five-letter name, the first kept
        # (no English word of four letters is one)
        return next((s for s in SOUP_WORDS if len(s) == 5 and s[0] == word[0]
                     and any(s[:i] + s[i + 1:] == word for i in range(1, 5))), None)
    return _match(word, SOUP_WORDS)


# ---------------------------------------------------------------------- tidying
# Testers type as they type: a misspelt verb ("chpo", "cok", "delivr"), a vegetable drawn
# ("need 2 🧅"), no spaces ("chop2onions"), a slip taken back ("chop 2 onions, no wait,
# 3"). :func:`tidy` writes such a message as plainly as it was meant, for every reader
# (the head's embedding, the LLM's prompt and the slot rules all read the tidy text).
# (not 🔥: in chat it praises as often as it warns)
_EMOJI = {"🍅": "tomato", "🧅": "onion", "🥬": "lettuce", "🥗": "lettuce", "🍽": "plate",
          "🍲": "soup", "🥣": "soup"}
# Verbs typed with a letter dropped, doubled or two swapped: the first letter is kept (a
# typo rarely hits it, and "late" is no "plate"). "dice", "start", "boil" are left out:
# "die", "stat", "boi" are words of their own.
_TYPO_VERBS = ("chop", "cook", "serve", "deliver", "slice", "prepare", "plate", "make")
_KNOWN = {w for forms in (*VEGETABLE_WORDS.values(), *SOUP_WORDS.values()) for w in forms} | set(NUMBER_WORDS)
# English words one letter from a word of the game, left as they are ("keep the pots alive")
_KNOWN |= {"alive", "alike", "union", "unions", "cop", "cops"}


def _verb_typo(word: str) -> str | None:
    """The verb of work ``word`` is a typo of, if any."""
    if len(word) < 3 or word in _KNOWN:
        return None
    for verb in _TYPO_VERBS:
        if word[0] != verb[0] or word == verb:
            continue
        if len(word) == len(verb) - 1 and any(verb[:i] + verb[i + 1:] == word for i in range(1, len(verb))):
            return verb  # "cok", "serv", "delivr"
        # (a letter added at the end only doubles the last: "served" is no typo of "serve")
        if len(word) == len(verb) + 1 and len(verb) >= 4 and (word[-1] == word[-2] or word[:-1] != verb) \
                and any(word[:i] + word[i + 1:] == verb for i in range(1, len(word))):
            return verb  # "chopp", "coook"
        if len(word) == len(verb) and any(word == verb[:i] + verb[i + 1] + verb[i] + verb[i + 2:]
                                          for i in range(1, len(verb) - 1)):
            return verb  # "chpo", "sevre"
    return None


def _fix_word(m: re.Match) -> str:
    """A word of the game spelt right (anything else as it was)."""
    word = m.group(0)
    low = normalise(word)
    if low in _VERB_OF or low in _KNOWN or not low.isalpha():
        return word
    for table in (VEGETABLE_WORDS, SOUP_WORDS):
        for forms in table.values():
            form = next((f for f in forms if _close(low, f)), None)
            if form is not None:
                return form  # "oinons", "letuce", "alcie": as the slot rules read them
    soup = _soup(low) if len(low) == 4 else None
    return soup or _verb_typo(low) or word


# A slip taken back: what follows replaces the request before it ("cook bob... actually no,
# cook cathy", "serve alice, er, I mean david", "chop 2 onions, no wait, 3").
_COUNT_WORD = r"(?:\d{1,2}|" + "|".join(NUMBER_WORDS) + ")"
_CORRECTION = re.compile(r"\b(?:no,? wait|wait,? no|actually,? no|no,? actually|(?:sorry,? )?i mean[t]?|"
                         r"scratch that|correction|make (?:it|that)(?= " + _COUNT_WORD + r"\b)|"
                         r"no(?= " + _COUNT_WORD + r"\W*$))\b")


def _take_back(text: str) -> str:
    """The text with its last slip replaced by what was meant (else as it was)."""
    norm = normalise(text)
    found = list(_CORRECTION.finditer(norm))
    if not found:
        return text
    m = found[-1]
    before = re.sub(r"(?:\W|\b(?:er|erm|um|uh|oops|sorry|wait|actually)\b)+$", "", norm[:m.start()])
    after = re.sub(r"^\W+", "", norm[m.end():])
    if "?" in after or set(words(after)) & (_SPEAKER | _AGENT | _TEAM):
        return text  # "chop onions, actually i'll cook bob": a new clause, not a slip
    head, _, last = before.rpartition(next((c for c in reversed(before) if c in ",;.!?\n"), "\n"))
    was, now = extract(last, with_clauses=False), extract(after, with_clauses=False)
    named_before = extract(before, with_clauses=False)
    if not (named_before.vegetables or named_before.soups) and (now.vegetables or now.soups):
        # "sorry i mean tomatoes not onions" (the slip was the message before), "can you
        # chop, i mean, tomatoes": nothing named before it, the words after it stand
        return f"{before} {after}".strip()
    if not (was.vegetables or was.soups) or not words(after):
        return text
    if now.vegetables or now.soups:
        if not any(t in _VERB_OF or t in IMPERATIVES for t in words(after)):
            # "chop tomatoes, sorry i mean lettuce": the verb before, the object after
            lead = []
            for t in words(last):
                if _names_object(t) or t.isdigit() or t in NUMBER_WORDS or t in ("a", "an", "the", "some"):
                    break
                lead.append(t)
            after = " ".join(lead) + " " + after
        return f"{head}, {after.strip()}" if head.strip() else after.strip()
    counts = [t for t in words(after) if t.isdigit() or t in NUMBER_WORDS]
    if now.count is None or len(counts) != len(words(after)):
        return text
    toks = words(last)
    at = next((i for i, t in enumerate(toks) if t.isdigit() or t in NUMBER_WORDS or t in ("a", "an")), None)
    if at is None:
        at = next((i for i, t in enumerate(toks) if _names_object(t)), len(toks))
        toks.insert(at, counts[0])
    else:
        toks[at] = counts[0]
    return f"{head}, {' '.join(toks)}" if head.strip() else " ".join(toks)


# The agent named first ("agent, chop tomatoes", "hey bot cook cathy", "AI: do david"): the
# 1.5B read three such requests as no request at all.
_ADDRESS = re.compile(r"^\W*(?:(?:hey|yo|hi|oi|ok|okay)\W+)?@?(?:agent|bot|robot|ai|chef|assistant|buddy|"
                      r"partner|teammate|mate|dude|bro|helper)\b[\s,:!.-]*(?=\w)", re.IGNORECASE)


def tidy(text: str) -> str:
    """The message as it was meant: the agent's name dropped, drawn vegetables named,
    digits cut from words, misspelt words of the game spelt right, a slip taken back."""
    text = _ADDRESS.sub("", text)
    for emoji, word in _EMOJI.items():
        text = text.replace(emoji, f" {word} ")
    # "chop2onions": a count run into its words ("2nd", "x4" keep theirs)
    text = re.sub(r"(?<=[A-Za-z]{3})(?=\d)|(?<=\d)(?=[A-Za-z]{3})", " ", text)
    text = re.sub(r"[A-Za-z\u00c0-\u024f]+", _fix_word, text)
    return re.sub(r"[ \t]{2,}", " ", _take_back(text)).strip()


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
    slots = Slots(tuple(vegs), tuple(soups), count, ordinal)
    if not with_clauses:  # a clause's own slots (read many times a message): its objects only
        return slots
    return replace(slots, clauses=clauses(text), until=bool(_UNTIL.search(normalise(text[:2000]))),
                   question="?" in text[:2000], bids=_bids(tokens),
                   about_doing=bool(_ABOUT_DOING.match(" ".join(tokens))),
                   standing=bool(_STANDING.search(" ".join(tokens))),
                   asks=_asks(text[:2000]))


def _asks(text: str) -> str:
    """What a question of how things stand asks about, if the message is one and nothing
    after it ("is bob done? serve it" asks for the serving)."""
    first, _, rest = re.sub(r"[?.!]+", "?", text).partition("?")
    toks = [t for t in words(first) if t not in _FILLER]
    if words(rest) or not _ASKS_STATE.match(" ".join(toks)):
        return ""
    slots = extract(first, with_clauses=False)
    if set(toks) & {"order", "orders", "ordered", "left", "need", "needed", "needs"}:
        return "orders"
    if (slots.soups and slots.vegetables) or set(toks) & {"recipe", "ingredient", "ingredients"}:
        return "recipe"
    return "state"


# Words that make work standing, not a number of chops: without one, "letuce plz",
# "CHOP ONIONS NOW!!!", "can someone cut onions" are one chop (the learned head said
# "keep", and the agent chopped for good).
_STANDING = re.compile(r"\b(?:keep|keeps|always|(?:from )?(?:now|here) on|duty|all (?:game|day|round)|"
                       r"rest of|until|till|continu[a-z]*|nonstop|non stop|forever|stick|stay on|be on|"
                       r"focus|job|chopper|only|on you|person|guy|coming|stocked|supply|sigue|weiter|"
                       r"(?:dont|don t|never) stop)\b")
# A question of how things stand opens on "is", "did", "how long"...: "is the bob done?",
# "did you chop the onions yet?", "is alice cooking yet" (read as "cook alice": a second
# one). "is it possible you..." and "how about you..." ask for work; "are you..." is
# about who does what (see _ABOUT_DOING).
_ASKS_STATE = re.compile(r"(?:is|isnt|are|r|arent|was|were|has|hasnt|have|havent|did|didnt)\b"
                         r"(?! (?:it |there )?(?:possible|any ?way|ok|okay|alright|cool|fine)\b)"
                         r"(?! (?:you|u|ya|we) (?:able|free|mind|ok|okay|around|available|willing|"
                         r"going to|gonna|ready to|got time)\b)|"
                         r"(?:hows|how (?:long|much longer|far|close|many|much time|is|are|s|re))\b")


_ABOUT_DOING = re.compile(r"(?:are|r|were) (?:you|u|ya) (?:doing|making|cooking|on|working|handling|"
                          r"taking|chopping|still)\b|(?:who|whos|who s) (?:is |s )?(?:doing|making|"
                          r"cooking|on|taking|handling|got)\b")


_WH = {"what", "whats", "which", "how", "hows", "who", "whos", "when", "where", "why", "do", "does"}


def _bids(tokens: list[str]) -> bool:
    """Does the message open as a request: a verb of work ("start whatever's oldest") or
    a modal or please before one ("could you get the next order started")?"""
    head = [t for t in tokens if t not in _FILLER][:3]
    # ("need letuce and tomatoe for bob", "for bob need tomato": what is wanted, said
    # without a question word, asks for it; the head said recipe)
    return bool(head) and (head[0] in _VERB_OF or head[0] in _WANT - {"like"}
                           or (bool(set(tokens) & (_WANT - {"like"})) and not set(tokens) & _WH)
                           or (head[0] in _POLITE | {"you", "u"}
                                                   and any(t in _VERB_OF or t in IMPERATIVES
                                                           for t in tokens)))


# ---------------------------------------------------------------------- who does what
# Words, not phrasings: a message is cut into clauses, and each clause gets an actor (the
# speaker, the agent, or nobody said), a negation, a verb class and its objects. This is
# what tells "I'll cook, you chop" (the agent chops) from "you cook, I'll chop", and
# "don't touch the tomatoes" (a prohibition) from "chop the tomatoes".
_SPEAKER = {"i", "im", "ill", "ive", "id", "imma", "ima", "myself", "lemme"}
# A clause that starts on one of these has dropped its "I'm" ("gonna do bob", "gotta chop").
_DROPPED_I = {"gonna", "gotta", "wanna"}
_SPEAKER_OBJ = {"me", "my", "mine"}
_AGENT = {"you", "u", "ya", "youre", "your", "yours", "yourself", "ur", "urs"}
_TEAM = {"we", "lets", "us"}
IMPERATIVES = {"do", "take", "handle", "get", "grab"}  # verbs that hand work over without naming it
_POLITE = {"can", "could", "would", "will", "please", "pls", "plz", "go", "just", "now", "quick"}
_FILLER = {"ok", "okay", "so", "hey", "alright", "right", "then", "now", "also", "and", "well",
           "um", "uh", "hmm", "oh", "yeah", "yes", "sure", "fine", "cool", "k", "but", "plus"}
_NEGATION = {"dont", "don", "not", "never", "no", "stop", "avoid", "skip", "without", "cant",
             "leave", "forget", "ignore", "except", "nothing", "off", "away", "alone"}
_WANT = {"need", "needs", "needed", "want", "like"}  # ("lettice needed": asked of no one named)
# Saying what one lacks asks for it: "I'm short of tomato", "out of onions", "low on
# lettuce", "missing an onion". (Read as "I'm ..." the speaker claimed the vegetable, and
# "can you chop some" after it became every vegetable, for good.)
_LACK_PAIRS = {("short", "of"), ("short", "on"), ("out", "of"), ("low", "on")}
_LACK_WORDS = {"missing", "lacking"}
# "chop some", "cut one", "a few more": the vegetables of the clause before
_QUANTITY = {"some", "more", "few", "couple"}
# Words that hurry a request along: a clause with one asks, it does not report.
_HURRY = {"asap", "quick", "quickly", "fast", "hurry", "now", "pls", "plz"}
# Having enough of something ends it: "enough lettuce", "plenty of onion", "too many
# tomatoes" (read as "keep chopping" by the learned head); "not enough X" is a lack.
_SATED = {"enough", "plenty", "loads", "tons"}
_SATED_PAIRS = {("too", "many"), ("too", "much")}
_NOT_ENOUGH = {("not", "enough"), ("isnt", "enough"), ("arent", "enough"), ("never", "enough")}
# A clause that reports the state of a soup or a vegetable ("bob is in the pot", "cathy's
# cooking", "onions done", "david ready") tells, it does not ask: the learned head read
# "bob is in the pot" as "cook bob" (a second Bob nobody ordered).
_REPORT = re.compile(r"^(?:the |my |our |that |this )?(?:[a-z]+ ){0,2}?"
                     r"(?:is |s |are |re |was |been |now |just |all |will |ll |be |already )*"
                     r"(?:in the pot|in a pot|on the stove|on the fire|on the heat|cooking|boiling|"
                     r"simmering|bubbling|underway|on its way|on the way|going in|"
                     r"done|ready|finished|chopped|cut|on the counter|on the board|burning|burnt|"
                     # a soup that "is in" or "is on" (the stove), said as the whole clause
                     r"(?:in|on)$)\b")
_POT_STATE = re.compile(r"^[a-z]+ (?:is |s |are |re |all |both )*(?:full|busy|taken|in use|cooking)\b")
# A clause led by a past tense, its "I" dropped ("started the david", "just finished the
# bob"), tells what the speaker did: "started" is also a cook word, so it read as "cook
# David" and the agent started a second one.
_DONE_LEAD = {"started", "finished", "cooked", "served", "delivered", "plated", "dropped",
              "fired", "boiled"}
_ASK_VERBS = {"serve", "cook", "chop", "cut", "make", "bring", "take", "grab", "get", "do",
              "start", "deliver", "plate", "put", "pass", "hand", "give"}
# ... and these after "I" or "already" only: "chopped lettuce please" asks for it
_CHOPPED = {"chopped", "diced", "sliced", "prepped"}
_DONE_SUBJECT = {"just", "already", "i", "ive", "we", "weve", "have"}
# "take the bob out of the pot", "get it out": taking a soup out is serving it.
_TAKE_OUT = re.compile(r"\b(?:out of the pot|take (?:it |that |them |(?:the )?[a-z]+ )?out|"
                       r"(?:get|pull|grab) (?:it |that |the [a-z]+ )?out)\b")
_ASKING = {"can", "could", "would", "will", "please", "pls", "plz", "keep"}
_NOT_NARRATION = {"nothing", "something", "everything", "anything", "morning", "evening", "thing",
                  "king", "ring", "bring", "string", "sing", "boring", "amazing", "during"}
_INGREDIENTS = {name: soup.ingredients for name, soup in _SOUP_TABLE.items()}
_PRONOUNS = {"it", "its", "that", "them", "those", "this", "one", "another"}
_REST = {"rest", "others", "other", "remaining", "everything", "else", "anything"}
VERB_WORDS = {
    "chop": {"chop", "chops", "chopping", "chopped", "cut", "cuts", "cutting", "dice", "dicing",
             "slice", "slicing", "prep", "prepping", "mince", "peel",
             # the vegetables as a whole name the chopping ("I'll do the veg, pots are yours")
             "veg", "vegs", "veggie", "veggies", "veggy", "vegetable", "vegetables"},
    "cook": {"cook", "cooks", "cooking", "make", "making", "boil", "boiling", "start", "starting",
             "prepare", "preparing", "started", "pot", "pots", "stove", "whip", "brew", "assemble"},
    "serve": {"serve", "serving", "deliver", "delivering", "plate", "plating", "window", "ship",
              "send", "bring", "carry"},
    "extinguish": {"fire", "fires", "extinguish", "extinguisher", "spray", "burning", "flames"},
}
_VERB_OF = {w: v for v, ws in VERB_WORDS.items() for w in ws}


@dataclass(frozen=True)
class Clause:
    """One clause of a message: who, whether negated, what kind of work, on what."""

    actor: str  # "speaker", "agent" (incl. imperative and "we"), "report" (a state told), or ""
    negated: bool
    verb: str | None  # chop, cook, serve, extinguish, or None (do/handle/take...)
    vegetables: tuple[str, ...] = ()
    soups: tuple[str, ...] = ()
    count: int | None = None
    rest: bool = False  # "the rest", "the others", "everything else"
    excluded: tuple[str, ...] = ()  # "everything but bob": soups/vegetables left out
    ordinal: int | None = None  # "the first order" (index into the open orders)
    purpose: tuple[str, ...] = ()  # "chop onions for alice": soups the chopping is for


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
    refused = False
    for part in _SPLIT.split(norm):
        for toks, condition in _conditions(re.findall(r"[a-z0-9]+", part)):
            if condition:
                # "when the cathy is done serve it", "after the bob do cathy": the state
                # waited for asks nothing, but lends its soup to a pronoun
                slots = extract(" ".join(toks), with_clauses=False)
                prev = Clause("report", False, None, slots.vegetables, slots.soups)
                out.append(prev)
                continue
            for seg in (s for piece in _actor_segments(toks) for s in _not_instead(piece)):
                # "not the tomatoes, the onions": what follows a bare refusal is done in
                # its place, the refusal does not carry over (the onions were banned too)
                clause = _clause(seg, replace(prev, negated=False) if refused and prev else prev)
                if clause is None:
                    continue
                refused = clause.negated and clause.verb is None \
                    and next((t for t in seg if t not in _FILLER | {"nah", "nope", "no"}), "") == "not"
                if _handed_over(seg, clause, prev):
                    # "i messed up cathy, u do it", "alice is 2 hard 4 me, u take it": the
                    # pronoun hands the speaker's soup to the agent; it is no longer the
                    # speaker's (it was both, and the reply said "You do Cathy; I'll cook
                    # the Cathy soup").
                    out[-1] = replace(out[-1], verb=None, vegetables=(), soups=())
                out.append(clause)
                prev = clause
    return tuple(out)


def _not_instead(toks: list[str]) -> list[list[str]]:
    """"cook alice not bob": a "not" between two things named refuses only the second."""
    if set(toks) & _SPEAKER:
        return [toks]  # "i said alice not bob" claims nothing
    cut = next((i for i, t in enumerate(toks) if t == "not" and i and _names_object(toks[i - 1])
                and any(_names_object(x) for x in toks[i + 1:])), None)
    return [toks] if cut is None else [toks[:cut], toks[cut:]]


# Words that open a condition: what follows up to the request is waited for, not asked.
_CONDITION = {"if", "when", "whenever", "once", "after", "before"}
# Verbs that open a request in the imperative ("... serve it", "... do cathy").
_BASE_VERBS = {"chop", "cut", "dice", "slice", "prep", "mince", "peel", "cook", "make", "boil",
               "start", "prepare", "serve", "deliver", "plate", "ship", "send", "bring", "carry",
               "extinguish", "spray", "put", "pull", "do", "take", "handle", "get", "grab"}
_NOT_BEFORE_VERB = {"is", "s", "are", "re", "was", "were", "be", "been", "am", "m", "to", "will", "ll",
                    "can", "could", "would", "should", "must", "d", "the", "a", "an", "my", "your",
                    "that", "this", "not", "dont", "t", "lets"}


def _request_start(toks: list[str], start: int) -> int | None:
    """Where an imperative begins at or after ``start`` ("bob is done | serve it")."""
    return next((j for j in range(max(start, 1), len(toks)) if toks[j] in _BASE_VERBS
                 and toks[j - 1] not in _NOT_BEFORE_VERB | _SUBJECTS), None)


def _conditions(toks: list[str]) -> list[tuple[list[str], bool]]:
    """A part cut where a condition or a report ends and a request begins, each piece
    with whether it is a condition on how things stand (asks for nothing)."""
    head = [i for i, t in enumerate(toks) if t not in _FILLER]
    if not head:
        return [(toks, False)] if toks else []
    i = head[0] + 2 if toks[head[0]:head[0] + 3] == ["as", "soon", "as"] else head[0]
    nxt = toks[i + 1] if i + 1 < len(toks) else ""
    if (toks[i] in _CONDITION or i != head[0]) and not (toks[i] == "once" and nxt in ("more", "again")) \
            and nxt not in ("that", "this", "which"):
        j = _request_start(toks, i + 2)
        cond, main = (toks[i + 1:j], toks[j:]) if j is not None else (toks[i + 1:], [])
        if set(cond) & (_SPEAKER | _AGENT | _TEAM | {"me"}):
            # "before you start david", "when I finish bob": who does it is said
            return [(cond, False)] + ([(main, False)] if main else [])
        slots = extract(" ".join(cond), with_clauses=False)
        return ([(cond, True)] if slots.vegetables or slots.soups else []) + ([(main, False)] if main else [])
    j = _request_start(toks, 2)
    if j is not None and _reports(toks[:j]):
        return [(toks[:j], False), (toks[j:], False)]  # "BOB IS DONE SERVE IT"
    return [(toks, False)]


def _handed_over(toks: list[str], clause: Clause, prev: Clause | None) -> bool:
    """Whether ``clause`` gives the agent, by a pronoun, what ``prev`` had the speaker do."""
    if prev is None or prev.actor != "speaker" or prev.negated or clause.actor != "agent" \
            or clause.negated or clause.verb not in (None, "cook") or not (set(toks) & _PRONOUNS):
        return False  # "I cook alice, you chop for it": the chopping is for the speaker's soup
    own = extract(" ".join(toks), with_clauses=False)
    return not (own.soups or own.vegetables) and bool(clause.soups or clause.vegetables) \
        and (clause.soups, clause.vegetables) == (prev.soups, prev.vegetables)


# Subject words for cutting an unpunctuated message where the actor changes ("me alice u
# bob", "take bob im on alice"). "me" is a subject only in shorthand, never after a word
# that takes it as an object ("chop one for me", "give me bob", "bob is on me").
# Possessives follow what they own ("bob is mine", "alice urs"): they close a clause.
_CLOSERS = {"mine": "speaker", "yours": "agent", "urs": "agent"}
# The actor words, less the reflexives, "your" (it comes before what it owns) and the closers.
_OPENERS = {**{w: "speaker" for w in (_SPEAKER - {"myself"}) | {"me"}},
            **{w: "agent" for w in _AGENT - {"your", "yourself", *_CLOSERS}}}
_OBJECT_BEFORE = {"for", "to", "give", "gimme", "bring", "pass", "hand", "get", "let", "on",
                  "with", "help", "tell", "show", "send", "by", "from", "ask", "thank", "than",
                  "need", "want", "see", "at", "of", "about"}
_MODALS = {"can", "could", "would", "will"}
_SUBJECTS = frozenset(_OPENERS) | _SPEAKER | _AGENT | _TEAM  # a "can't" after one has its subject


def _names_object(tok: str) -> bool:
    return tok not in _VERB_OF and bool(_match(tok, VEGETABLE_WORDS) or _soup(tok))


def _cant(toks: list[str], i: int) -> bool:
    """A negative modal with its subject dropped ("cant do alice", "can't reach the pots"):
    the speaker talking about themselves. A prohibition says "don't", never "can't"."""
    tok = toks[i]
    nxt = toks[i + 1] if i + 1 < len(toks) else ""
    if not (tok in ("cant", "cannot", "couldnt") or (tok in ("can", "could") and nxt in ("t", "not"))):
        return False
    return i == 0 or toks[i - 1] not in _SUBJECTS


def _actor_segments(toks: list[str]) -> list[list[str]]:
    """Cut a clause where a second actor takes over after an object was named.

    Chat shorthand drops the commas: "me alice u bob" is two clauses, "me alice" and "u
    bob", and "take bob im on alice" is "take bob" and "im on alice". Actors usually come
    first ("u bob"); when the clause starts with its object and ends on an actor word
    ("alice me bob u") the actor follows its object and closes its clause instead. A
    clause with one actor ("can you chop one for me") is left whole.
    """
    def actor(i: int) -> str | None:
        tok = toks[i]
        if tok in _CLOSERS:
            return _CLOSERS[tok]
        if _cant(toks, i):
            return "speaker"
        if tok not in _OPENERS or (i > 0 and toks[i - 1] in _OBJECT_BEFORE):
            return None
        return _OPENERS[tok]

    actors = [actor(i) for i in range(len(toks))]
    head = [i for i, t in enumerate(toks) if t not in _FILLER]
    # An imperative ("take bob", "chop onion pls") addresses the agent without naming it.
    imperative = bool(head) and actors[head[0]] is None and (
        toks[head[0]] in _VERB_OF or toks[head[0]] in IMPERATIVES)
    if len({a for a in actors if a} | ({"agent"} if imperative else set())) < 2:
        return [toks] if toks else []
    postposed = bool(head) and _names_object(toks[head[0]]) and actors[-1] is not None
    segments: list[list[str]] = []
    current: list[str] = []
    side: str | None = None  # the actor of the segment being built
    for i, tok in enumerate(toks):
        who = actors[i]
        closes = postposed or tok in _CLOSERS
        # "I wonder if you could serve cathy", "I think you should cook david": the
        # speaker's words before "you" only frame a request to the agent, object or not.
        frame = side == "speaker" and who == "agent"
        # "u chop i cook": a new actor with a verb of its own, after a verb, is a new clause
        frame = frame or (any(t in _VERB_OF for t in current)
                          and i + 1 < len(toks) and toks[i + 1] in _VERB_OF)
        if who and not closes and who != side and (frame or any(_names_object(t) for t in current)):
            # "...alice can u take it": the question's modal belongs to the new clause
            cut = len(current)
            while who == "agent" and cut > 0 and current[cut - 1] in _MODALS:
                cut -= 1
            if cut and (frame or any(_names_object(t) for t in current[:cut])):
                segments.append(current[:cut])
                current, side = current[cut:], None
        current.append(tok)
        side = side or who
        if who and closes and any(_names_object(t) for t in current) and i + 1 < len(toks):
            segments.append(current)
            current, side = [], None
    if current:
        segments.append(current)
    return segments


# Words between "no" and the work it refuses ("no more onions", "no need to cook bob").
_NO_LEAD = {"more", "the", "a", "an", "any", "extra", "further", "need", "to", "of", "one",
            "ones", "my", "your", "that", "those", "this"}


def _no_is_not_negation(toks: list[str]) -> bool:
    """True when every "no" in the clause is about something that is no work: "bob has no
    time left!" is urgent, not "don't cook bob" (read so, the urgent soup was forbidden).
    "no" refuses work only when work follows it: a vegetable, a soup, a verb or a pronoun."""
    for i, tok in enumerate(toks):
        if tok != "no":
            continue
        j = i + 1
        while j < len(toks) and (toks[j] in _NO_LEAD or toks[j] in NUMBER_WORDS or toks[j].isdigit()):
            j += 1
        if j >= len(toks) or toks[j] in _VERB_OF or toks[j] in _PRONOUNS or toks[j] in _REST \
                or extract(toks[j], with_clauses=False).vegetables or _soup(toks[j]):
            return False  # a bare "no" at the end keeps its old reading: a refusal
    return "no" in toks


_REPORT_NOT = _AGENT | _SPEAKER | _TEAM | _ASKING | _WANT | _HURRY | _NEGATION
_DETERMINERS = {"the", "my", "our", "that", "this"}


def _reports(toks: list[str]) -> bool:
    """Does the clause only report the state of what it names first ("bob is in the pot")?
    Not when anyone is named, asked, hurried or told not to."""
    head = [t for t in toks if t not in _FILLER]
    # what the speaker has done is told, not claimed ("i already chopped the lettuce, u do
    # onion" claimed lettuce, and the agent's part read as a split of the work) -- unless a
    # request follows in the clause ("plated the cathy serve it")
    said = list(takewhile(lambda t: t in _DONE_SUBJECT, head))
    lead = head[len(said)] if len(said) < len(head) else ""
    if (lead in _DONE_LEAD or (lead in _CHOPPED and said)) and not set(toks) & (_REPORT_NOT - _SPEAKER) \
            and not set(head[len(said) + 1:]) & _ASK_VERBS:
        return True
    first = next((t for t in head if t not in _DETERMINERS), "")
    # "now" after a soup tells when ("alice cooking now"), it does not hurry anyone.
    blocked = _REPORT_NOT - {"now"} if _soup(first) else _REPORT_NOT
    if set(toks) & blocked:
        return False
    if first in ("pot", "pots", "stove", "stoves"):
        # "pot's full", "pots are busy": the stove's state, not "cook" (read as cook Alice)
        return bool(_POT_STATE.match(" ".join(head[head.index(first):])))
    return _names_object(first) and bool(_REPORT.match(" ".join(head)))


def _clause(toks: list[str], prev: Clause | None) -> Clause | None:
    slots = extract(" ".join(toks), with_clauses=False)
    head = [t for t in toks if t not in _FILLER]
    first = head[0] if head else ""
    has = set(toks)
    actor = ""
    # "I need lettuce chopped", "I'd like two onions", "chopped by you": a request; but
    # "I need to cook bob" is the speaker's own plan.
    wants = any(t in _WANT and (i + 1 >= len(toks) or toks[i + 1] != "to") for i, t in enumerate(toks))
    pairs = set(pairwise(toks))
    short = bool(pairs & _NOT_ENOUGH)
    lacks = bool(slots.vegetables) and (bool(has & _LACK_WORDS) or bool(pairs & _LACK_PAIRS) or short)
    sated = bool(slots.vegetables or slots.soups) and not short and (
        bool(has & _SATED) or bool(pairs & _SATED_PAIRS))
    if not sated and _reports(toks):
        # the state of a soup or a vegetable, reported: no one is asked or claims anything
        # (a pronoun after it still takes its objects: "bob is ready, take it")
        return Clause("report", False, None, slots.vegetables, slots.soups)
    if wants or lacks or ("by" in toks and bool(has & _AGENT)):
        actor = "agent"
    elif first in _SPEAKER or first in _DROPPED_I or first == "me" \
            or (first == "my" and len(head) > 1 and head[1] in ("turn", "job", "part", "go")) \
            or (first == "let" and len(head) > 1 and head[1] == "me"):
        actor = "speaker"
    elif not has & _AGENT and any(_cant(toks, i) for i in range(len(toks))):
        actor = "speaker"  # "cant do alice": the speaker's own limit, not a prohibition
    elif first in _AGENT or first in _TEAM or first in _POLITE or has & _AGENT:
        actor = "agent"
    elif has & _SPEAKER:
        actor = "speaker"
    elif first in IMPERATIVES and len(head) > 1 and head[1] == "me":
        actor = "agent"  # "do me a lettuce", "get me a plate": asked for the speaker
    elif (has & _SPEAKER_OBJ) and not any(t in _VERB_OF for t in toks) and (
            not has & {"for", "give", "bring", "pass", "hand", "get"}
            or (slots.soups and not slots.vegetables and not has & {"give", "bring", "pass", "hand", "get"})):
        # "bob is mine", "leave bob to me", "bob is on me" (but not "chop one for me")
        actor = "speaker"
    elif first.endswith("ing") and len(first) > 4 and first not in _NOT_NARRATION \
            and _VERB_OF.get(first) != "extinguish" and not has & _ASKING:
        # "working on David now", "making the bob": a clause led by a gerund is the speaker
        # saying what they are doing (novice, bottleneck: read as "cook David", the agent
        # cooked a second David nobody had ordered)
        actor = "speaker"
    elif first in _VERB_OF or first in _NEGATION or first in IMPERATIVES:
        actor = "agent"  # an imperative
    # "leave bob to me" is the speaker's claim, not a prohibition on the speaker
    negated = bool(has & _NEGATION - ({"no"} if _no_is_not_negation(toks) else set())) \
        and not (actor == "speaker" and first == "leave")
    if "t" in has and ({"don", "can", "won", "didn"} & has):
        negated = True
    if negated and "stop" in has and has & {"dont", "don", "never", "not"}:
        negated = False  # "don't stop": keep going
    if negated and any(a in ("never", "not", "dont") and b in ("empty", "idle", "stop", "run", "wait")
                       for a, b in pairs):
        negated = False  # "make sure the pots are never empty": keep them going
    verb = next((_VERB_OF[t] for t in toks if t in _VERB_OF), None)
    if lacks and verb is None:
        verb = "chop"  # a vegetable one lacks is one to chop
    if _TAKE_OUT.search(" ".join(toks)):
        verb = "serve"
    if sated:
        negated = True  # "enough lettuce": no more of it
    if short:
        negated = False  # "not enough onions": a lack, not a ban
    if verb == "extinguish" and has & _NEGATION == {"stop"}:
        negated = False  # "stop the fire": put it out, not a ban on fighting it
    vegs, soups = slots.vegetables, slots.soups
    purpose: tuple[str, ...] = ()
    if verb in ("chop", None) and vegs and not any(_VERB_OF.get(t) == "cook" for t in toks):
        # "need a lettuce cut for david", "chop onions for the alice soup": the soup is what
        # the chopping is for, not a second thing to cook (the leader kept David and the
        # agent cooked it too).
        named = {s for i, t in enumerate(toks) if (s := _soup(t)) and "for" in toks[max(0, i - 2):i]}
        purpose = tuple(s for s in soups if s in named)
        soups = tuple(s for s in soups if s not in named)
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
    if not (vegs or soups) and (has & _PRONOUNS or (verb == "chop" and has & _QUANTITY)) \
            and prev is not None:
        vegs, soups = prev.vegetables, prev.soups
        if verb == "chop" and soups and not vegs:
            # "I'll cook david, could you prep its veggies": chopping for the soup before,
            # its vegetables once each (read as every vegetable, for good)
            purpose, soups = soups, ()
            vegs = tuple(dict.fromkeys(v for s in purpose for v in _INGREDIENTS[s]))
    if not actor and negated:
        actor = "agent"  # "keep off the tomatoes": a prohibition is addressed to the listener
    if prev is not None and prev.actor == "report" and not actor and has & (_ASKING | _WANT | _HURRY):
        actor = "agent"  # "cathy on, tomatoes for bob please": told, then asked
    if prev is not None and not actor and verb is None and (vegs or soups or rest):
        # "chop tomatoes and onions": the second part shares the first one's actor and verb
        # (a verb for vegetables does not carry over to soups, nor the reverse)
        same = prev.verb is None or (prev.verb == "chop") == bool(vegs and not soups)
        return Clause(prev.actor, prev.negated, prev.verb if same else None, vegs, soups,
                      slots.count or prev.count, rest, excluded, slots.ordinal)
    if not (actor or verb or vegs or soups or rest or slots.ordinal is not None):
        return None
    return Clause(actor, negated, verb, vegs, soups, slots.count, rest, excluded, slots.ordinal,
                  purpose)
