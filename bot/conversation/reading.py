"""Finding the question in a message of any length: what is asked, and what is only context.

People paste threads, tell an anecdote first, open with "ok that makes sense, thanks", end
with "appreciate it", number their lines ("1) ..."), or ask two things at once. The engine
reads one question of a few hundred characters; this module hands it the part that asks.

1. The message is cut into sentences (end punctuation, new lines, chat-log time stamps) and
   each sentence into clauses (commas, colons, semicolons, dashes). A regular-expression
   splitter, not a kept segmenter: on this machine ``sentencex`` takes about 25 ms for a
   20,000-character message and ``pysbd`` about 370 ms, while chat text, with its missing
   capitals and full stops, is split as well by the punctuation it does use, in about 1 ms.
2. A clause that is small talk ("ok", "lol", "thanks!") is dropped; a sentence asks when it
   ends with a question mark or opens a clause with a question word (or a French inversion,
   "investit-il"), unless it is an aside ("did you see the news?").
3. The question is the asking sentence from its first asking clause on (a short lead such as
   "In 2025," or "pour Meta," stays with it). Several asking sentences are several questions;
   sentences addressed to the bot ("@bot ...") come first. A message that asks nothing is read
   whole when it is short (a keyword question, "Meta AI budget"), else it has no question.

Every step is linear in the message's length, so its cost is bounded (see the tests: a
20,000-character message is read in a few milliseconds).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.language import fold

#: Sentence ends: ?! always; a full stop or ellipsis when a space or end follows and it is not
#: part of a number ("2.5") or an initial ("U.S."); new lines; a chat-log time stamp "[10:02]".
_SENTENCE_END = re.compile(
    r"(?<=[?!])[?!]*\s+|(?<=[?!])(?=[^\s?!\"')\]»])|(?<![A-Z0-9][.])(?<!\b[A-Za-z])(?<=[.…;])\s+"
    r"|\s*\n\s*|\s+(?=\[\d{1,2}:\d\d(?::\d\d)?\])"
)
#: Clause edges inside a sentence: a comma, colon or semicolon followed by a space, a dash or
#: bullet between spaces, a parenthesis.
_CLAUSE_EDGE = re.compile(r"(?<=[,:;])\s+|\s+[-–—•*·]\s+|\s*[()]\s*")
#: A numbered or bulleted line's marker: "1) ", "2. ", "a) ", "- ", "• ", "> ".
_LIST_MARKER = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|\(?[a-zA-Z][)]|[-–—•*·>]+)\s+")
#: A chat-log line's head: "[10:02] alice:" or "alice:" before what someone said.
_LOG_HEAD = re.compile(r"^\s*(?:\[\d{1,2}:\d\d(?::\d\d)?\]\s*)?(?:[\w.-]{1,32}:\s+)?")
_TIMESTAMP = re.compile(r"^\s*\[\d{1,2}:\d\d(?::\d\d)?\]")
#: The bot addressed by name at the start of a clause: "@bot", "@aibot", "bot,".
_ADDRESSED = re.compile(r"(?:^|\s)@(?:ai)?bot\b|^\s*(?:ai)?bot\s*[,:]", re.IGNORECASE)
_WORD = re.compile(r"[\w'’-]+")
#: An indirect question inside a clause: "my team wonders why ...", "je me demande combien ...".
_INDIRECT = re.compile(
    r"\b(?:wonder(?:s|ing|ed)?|want(?:s|ed)? to know|asking|asks|ask|curious)\s+(?:about\s+)?"
    r"(?=(?:why|how|what|who|when|where|which)\b)"
    r"|\b(?:demand(?:e|ent|ons|ez|ait|aient)|savoir)\s+(?=(?:pourquoi|comment|combien|qui|quand|quel|quelle|où)\b)")
#: A question that starts inside a run-on clause ("we argued for an hour anyway how much is
#: Meta investing?"): the words that surely open one.
_EMBEDDED = re.compile(
    r"\b(?:how (?:much|many|long|big)|what(?:'s| is| are| was| will| did| does| do)|who(?:'s| is| are| was| did| will)"
    r"|which (?:company|companies|one)|when (?:did|is|was|will|does)|where (?:is|are|was|did|will|does)"
    r"|why (?:is|are|did|does|do)|combien|pourquoi|c'est (?:quoi|qui|combien)|qu'est-ce|quel(?:le)?s? (?:est|sont)"
    r"|qui (?:a|est|sont|dirige))\b")
#: Words that must come before such an opener, and from it on, for the clause to be cut
#: there ("et microsoft il dépense combien ?" is one question, asked at its end).
MIN_WORDS_BEFORE_EMBEDDED = 6
MIN_WORDS_FROM_EMBEDDED = 3
#: "investit-il", "a-t-il", "peut-on": a French question by inversion.
_INVERSION = re.compile(r"\w-(?:t-)?(?:il|elle|ils|elles|on|tu|vous|je)\b")

#: Words that open a question, in either language (folded).
QUESTION_OPENERS = frozenset("""
    what what's whats wat wut which who who's whos whom whose when when's whens where where's wheres why how how's hows
    is are was were do does did can could will would should has have had shall may
    qui que quoi quel quelle quels quelles lequel laquelle lesquels lesquelles quand pourquoi comment combien
    est-ce qu'est-ce qu'est qu'a qu'ont où
""".split())
#: Openings that ask without a question word ("tell me ...", "c'est quoi ...").
QUESTION_PHRASES = (
    "tell me", "can you tell", "could you tell", "explain", "i want to know", "i'd like to know",
    "i would like to know", "any idea", "do you know", "give me", "dis-moi", "dis moi", "dites-moi", "dites moi",
    "explique", "c'est quoi", "c'est qui", "c'est combien", "c'est quand", "c'est où", "c'est ou", "tu sais",
    "vous savez", "sais-tu", "savez-vous", "je voudrais savoir", "j'aimerais savoir", "je veux savoir", "on sait",
)
_PHRASES_BY_HEAD: dict[str, tuple[str, ...]] = {}
for _phrase in QUESTION_PHRASES:
    _head = _phrase.split()[0].split("-")[0]
    _PHRASES_BY_HEAD[_head] = (*_PHRASES_BY_HEAD.get(_head, ()), _phrase)
#: Questions that are asides in a story, not asked of the bot.
ASIDES = (
    "did you see", "did you hear", "have you seen", "have you heard", "guess what", "can you believe", "t'as vu",
    "tu as vu", "vous avez vu", "t'as entendu", "tu as entendu", "tu sais quoi", "devine quoi",
)
#: Words that lead a question without belonging to it ("so", "and", "ok", "anyway").
_LEADING = frozenset("""
    so and but anyway anyways also ok okay well alright then now hey oh ah bot aibot @bot @aibot
    et mais alors donc bon ok bref sinon aussi eh ah oh du coup
""".split())


@dataclass(frozen=True)
class ReadingLimits:
    """How much of a message is read, and how it is answered; each number with why."""

    #: Longer than any chat message (Slack's limit is 40,000 characters, Discord's 4,000 or
    #: 2,000); anything longer is refused with a message, never cut silently.
    max_message_chars: int = 100_000
    #: What the engine reads of one question (bot.language.MAX_QUESTION_CHARS): a question
    #: found longer than this keeps its last clauses, where the asking part is.
    max_question_chars: int = 500
    #: Questions answered from one message; with more, the bot answers the last and says so.
    max_questions: int = 3
    #: A message that asks nothing is read whole up to this length (a keyword question);
    #: longer, it is context with no question.
    max_unasked_chars: int = 300
    #: A clause in front of the asking one stays with it when it names a company or a year
    #: and is no longer than this ("In 2025, how much ...", "Il me manque le chiffre de
    #: Stargate : combien ...?"); otherwise it is context.
    max_lead_words: int = 10
    #: A message of at most this many sentences has each one looked up as small talk ("ok.
    #: thanks!"); a longer one only in the sentences that may ask.
    smalltalk_sentences: int = 8
    #: Sentences that may ask, beyond the cap, read for small talk and asides (from the end):
    #: enough to tell "how are you?" from a question, not a page of them.
    spare_candidates: int = 4
    #: Context sentences before a question looked at for what its "it" stands for (each is
    #: analysed, so a long paste is not).
    context_sentences: int = 2
    #: A clause longer than this is never small talk (and is not looked up as such).
    max_smalltalk_words: int = 8
    #: With no earlier question, a message this short with "it" and no name is a reference
    #: to ask about ("when did it start?"); a longer one usually says what it means.
    max_reference_words: int = 8


DEFAULT_LIMITS = ReadingLimits()


@dataclass(frozen=True)
class Found:
    """What a message asks: its questions (in message order), the number of asking sentences
    seen (more than the questions when the cap was hit), the context sentences, and whether
    anything in it was small talk."""

    questions: tuple[str, ...]
    asked: int
    context: tuple[str, ...]
    smalltalk: tuple[str, ...]
    #: the last few context sentences before the first question, nearest last: what a
    #: question's "it" may stand for
    before: tuple[str, ...] = ()

    @property
    def more_than_answered(self) -> bool:
        return self.asked > len(self.questions)


def strip_list_marker(text: str) -> str:
    """ "1) how much ..." -> "how much ..."; a line without a marker is returned as it is."""
    match = _LIST_MARKER.match(text)
    if match is None or match.end() >= len(text):
        return text
    return text[match.end():]


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, each stripped of list markers and chat-log heads."""
    found = []
    for piece in _SENTENCE_END.split(text):
        if not piece or not piece.strip():
            continue
        piece = strip_list_marker(piece.strip())
        if _TIMESTAMP.match(piece):
            piece = _LOG_HEAD.sub("", piece, count=1)
        piece = piece.strip()
        if piece:
            found.append(piece)
    return found


def clauses(sentence: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_EDGE.split(sentence) if c and c.strip()]


def _first_words(clause: str, count: int) -> list[str]:
    words = [fold(w).replace("’", "'") for w in _WORD.findall(clause[:200])]
    while words and words[0] in _LEADING:
        words = words[1:]
    return words[:count]


def asking_start(clause: str) -> int | None:
    """Where the clause starts to ask: 0 for a question word, "tell me" or an inversion; the
    question word of an indirect question ("my team wonders why ..." asks from "why"); None
    when the clause does not ask."""
    words = _first_words(clause, 4)
    if not words:
        return None
    if words[0] in QUESTION_OPENERS:
        return 0
    phrases = _PHRASES_BY_HEAD.get(words[0].split("-")[0])
    if phrases is not None:
        head = " ".join(words)
        if any(head.startswith(phrase) for phrase in phrases):
            return 0
    folded = fold(clause[:160])
    if _INVERSION.search(folded) is not None:
        return 0
    indirect = _INDIRECT.search(folded)
    if indirect is not None and len(folded) == len(clause[:160]):
        return indirect.end()
    return None


def _embedded_start(clause: str) -> int:
    """Where a question starts inside a run-on clause (its last sure opener, with words
    before it), or 0."""
    folded = fold(clause)
    if len(folded) != len(clause):
        return 0
    openers = list(_EMBEDDED.finditer(folded))
    last = openers[-1] if openers else None
    if last is None or len(folded[: last.start()].split()) < MIN_WORDS_BEFORE_EMBEDDED \
            or len(folded[last.start():].split()) < MIN_WORDS_FROM_EMBEDDED:
        return 0
    return last.start()


def opens_a_question(clause: str) -> bool:
    """True when the clause asks: a question word, "tell me", an inversion, "I wonder why"."""
    return asking_start(clause) is not None


def _may_ask(sentence: str, *, last: bool) -> bool:
    """Whether a sentence may be a question, from its end and first words alone (cheap)."""
    ending = sentence.rstrip(" )\"'»")[-1:]
    if ending == "?":
        return True
    if not last and ending in {".", "!", ";", "…"}:
        return False
    tail = fold(sentence[-2000:])
    if _ASKING_WORD.search(tail) is None and _INDIRECT.search(tail) is None:
        return False  # no word that could open a question: most lines of a pasted log
    return any(opens_a_question(clause) for clause in clauses(sentence[-2000:])[-MAX_SCANNED_CLAUSES:])


#: Any word that may open a question, or an inversion: a sentence without one asks nothing.
_OPENING_WORDS = sorted(QUESTION_OPENERS | {phrase.split()[0] for phrase in QUESTION_PHRASES}, key=len, reverse=True)
_ASKING_WORD = re.compile(
    r"(?<![\w'])(?:" + "|".join(re.escape(w) for w in _OPENING_WORDS) + r")(?![\w])|" + _INVERSION.pattern)
#: A run-on sentence is read for its asking clause in its last clauses only.
MAX_SCANNED_CLAUSES = 12


def is_aside(sentence: str) -> bool:
    folded = fold(sentence)
    return any(aside in folded for aside in ASIDES)


class QuestionFinder:
    """Finds the questions in messages; ``is_smalltalk`` says whether a clause is small talk
    (the phrasebook's look-up), so this module needs no data of its own."""

    def __init__(self, is_smalltalk: Callable[[str], bool], limits: ReadingLimits = DEFAULT_LIMITS,
                 names_something: Callable[[str], bool] = lambda _: False) -> None:
        self.is_smalltalk = is_smalltalk
        self.limits = limits
        #: whether a clause names what a question is about (a company, a year): such a lead
        #: clause stays with the question ("Pour Meta, c'est combien ?")
        self.names_something = names_something

    def _small(self, clause: str) -> bool:
        return len(clause.split()) <= self.limits.max_smalltalk_words and self.is_smalltalk(clause)

    def find(self, text: str) -> Found:
        """The questions of ``text``. Its cost is bounded by its length: every sentence is
        split once; only sentences that may ask (a question mark, or no full stop) have their
        clauses read, each within :attr:`ReadingLimits.max_question_chars` of its end; small
        talk is looked up in the last few of them, and in every sentence of a short message."""
        all_sentences = sentences(text)
        count = len(all_sentences)
        short = count <= self.limits.smalltalk_sentences
        may_ask = [i for i, sentence in enumerate(all_sentences) if _may_ask(sentence, last=i == count - 1)]
        addressed = [i for i in may_ask if _ADDRESSED.search(all_sentences[i])]
        candidates = addressed or may_ask
        examined = set(candidates[-(self.limits.max_questions + self.limits.spare_candidates):])
        may = set(candidates)
        unexamined = len(candidates) - len(examined)
        asking: dict[int, str] = {}
        context: list[tuple[int, str]] = []
        small: list[str] = []
        for number, sentence in enumerate(all_sentences):
            if number in examined or short:
                parts = clauses(self._bounded(sentence))
                kept = [c for c in parts if not self._small(c)]
                small += [c for c in parts if c not in kept]
                if not kept:
                    continue
                question = self._asked(sentence, kept, last=number == count - 1) if number in examined else None
                if question is not None:
                    asking[number] = question
                    continue
                context.append((number, " ".join(kept)))
            elif number not in may:
                context.append((number, sentence))
        first = min(asking, default=count)
        before = tuple(c for n, c in context if n < first)[-self.limits.context_sentences:]
        questions = [asking[n] for n in sorted(asking)]
        if not questions:
            rest = " ".join(c for _, c in context)
            if rest and len(rest) <= self.limits.max_unasked_chars:
                return Found((self._bounded(rest),), 1, (), tuple(small))
            return Found((), 0, tuple(c for _, c in context), tuple(small))
        asked = len(questions) + unexamined
        if asked > self.limits.max_questions:
            questions = questions[-1:]
        return Found(tuple(self._bounded(q) for q in questions), asked, tuple(c for _, c in context), tuple(small),
                     before)

    def _asked(self, sentence: str, kept: list[str], *, last: bool) -> str | None:
        """The question a sentence asks (from its first asking clause on), or None."""
        ending = sentence.rstrip(" )\"'»")[-1:]
        ends_asking = ending == "?"
        if not ends_asking and not last and ending in {".", "!", ";", "…"}:
            return None  # a statement: most of a pasted page, turned away before its clauses are read
        opener = next((i for i, clause in enumerate(kept) if opens_a_question(clause)), None)
        if not ends_asking and opener is None:
            return None
        if is_aside(sentence) and not (opener is not None and not is_aside(kept[opener])):
            return None
        if opener is None:  # "... we argued for an hour anyway how much is Meta investing?"
            embedded = _embedded_start(kept[-1])
            if embedded:
                return kept[-1][embedded:]
        start = opener if opener is not None else 0
        offset = asking_start(kept[start]) or 0 if opener is not None else 0
        if offset:  # an indirect question asks from its question word
            kept = [*kept[:start], kept[start][offset:], *kept[start + 1:]]
            return " ".join(kept[start:])
        while start > 0:  # the clauses just before the asking one that name its subject stay
            lead = kept[start - 1]
            if len(lead.split()) > self.limits.max_lead_words or not self.names_something(lead):
                break
            start -= 1
        return " ".join(kept[start:])

    def _bounded(self, question: str) -> str:
        """The question within the engine's length: its last clauses that fit."""
        limit = self.limits.max_question_chars
        if len(question) <= limit:
            return question
        kept: list[str] = []
        size = 0
        for clause in reversed(clauses(question)):
            if size + len(clause) + 1 > limit:
                break
            kept.insert(0, clause)
            size += len(clause) + 1
        if kept:
            return " ".join(kept)
        tail = question[-limit:]
        return tail[tail.find(" ") + 1:] if " " in tail else tail
