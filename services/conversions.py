"""The number conversion engine (FEATURES.md SVC-8; ARCHITECTURE.md "Call handling").

Pure functions over plain data, no queries: `rule_check` validates one rule, `conversion_apply`
converts one dialled number with the rules that apply to a user and says why.

A rule matches a number that starts with its prefix and continues with exactly `digits` digits
(`digits=None`: "vilkårligt antal cifre", any number of digits, none included), optionally
restricted to intervals of those digits ("07"-"15": each bound exactly `digits` digits). If the
rule has a rewrite, the prefix is replaced by it; else the number is left as it is (the rule
only classifies it as matched).

Choosing among the matching rules (*our decision* in SVC-8): the most specific wins, i.e. the
longest prefix, then a fixed digit count over "any", then the narrower intervals (fewer numbers
matched); on a tie the scope with the higher priority (SET-3: the user, then the user's groups
by priority, then the organisation); then the older rule. Applied once, never recursively.
112 and 114 bypass conversions altogether (the guide: 112 is handled specially, 114 is never
converted); `rule_check` refuses rules that would match them.
"""

import re
from dataclasses import dataclass, field
from operator import attrgetter
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from connect.lib.numbers import EMERGENCY_NUMBERS

MAX_DIGITS = 15
MAX_INTERVALS = 20
PREFIX_RE = re.compile(r"[+*#]?[0-9]*")
REWRITE_RE = re.compile(r"\+?[0-9]*")
EMERGENCY = tuple(str(n) for n in EMERGENCY_NUMBERS)

# Scope ranks: lower = higher priority (SET-3). Groups rank by their priority (1 = highest).
USER_RANK = 0
ORGANISATION_RANK = 10**9

# Why a matching rule lost against the winner (the first difference in the order above).
SHORTER_PREFIX = "shorter_prefix"
ANY_DIGITS = "any_digits"
WIDER_INTERVALS = "wider_intervals"
LOWER_SCOPE = "lower_scope"
LATER_RULE = "later_rule"

# Rule problems reported by `rule_check`: {field: [code, ...]}.
PREFIX_CHARACTERS = "prefix_characters"
PREFIX_TOO_LONG = "prefix_too_long"
EMPTY_PREFIX = "empty_prefix"
DIGITS_RANGE = "digits_range"
INTERVALS_WITH_ANY = "intervals_with_any"
INTERVAL_LENGTH = "interval_length"
INTERVAL_REVERSED = "interval_reversed"
INTERVAL_OVERLAP = "interval_overlap"
TOO_MANY_INTERVALS = "too_many_intervals"
REWRITE_CHARACTERS = "rewrite_characters"
EMERGENCY_MATCH = "emergency_match"
MAX_PREFIX = 16
MAX_REWRITE = 20


@dataclass(frozen=True)
class Rule:
    """One conversion rule as plain data. `rank` orders scopes (USER_RANK, a group's priority,
    ORGANISATION_RANK); `order` breaks the last tie (older first); `source` and `pk` are carried
    through untouched for the caller (where the rule is stored, to show and link to it)."""

    prefix: str
    digits: int | None  # None = any number of digits
    intervals: tuple = ()  # (("07", "15"), ...)
    rewrite: str = ""
    rank: int = ORGANISATION_RANK
    order: int = 0
    pk: int | None = None
    source: object = field(default=None, compare=False)
    # Computed once (rules are sorted and compared for every number converted):
    # width = how many digit strings after the prefix the rule accepts (None = unbounded);
    # specificity = sort key without the scope, smaller = more specific; key = with scope and age.
    width: int | None = field(init=False, compare=False, repr=False)
    specificity: tuple = field(init=False, compare=False, repr=False)
    key: tuple = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        if self.digits is None:
            width = None
        elif not self.intervals:
            width = 10**self.digits
        else:
            width = sum(int(hi) - int(lo) + 1 for lo, hi in self.intervals)
        specificity = (-len(self.prefix), self.digits is None, width if width is not None else 0)
        object.__setattr__(self, "width", width)
        object.__setattr__(self, "specificity", specificity)
        object.__setattr__(self, "key", (*specificity, self.rank, self.order))

    @property
    def signature(self):
        """What makes two rules "identical" (SVC-8: same prefix, digit count, intervals)."""
        return signature(self.prefix, self.digits, self.intervals)

    @property
    def text(self):
        return describe(self.prefix, self.digits, self.intervals, self.rewrite)

    def matches(self, number):
        if not number.startswith(self.prefix):
            return False
        rest = number[len(self.prefix) :]
        if self.digits is None:
            return rest == "" or _digits(rest)
        if len(rest) != self.digits or (rest and not _digits(rest)):
            return False
        return not self.intervals or any(lo <= rest <= hi for lo, hi in self.intervals)

    def convert(self, number):
        if not self.rewrite:
            return number
        return self.rewrite + number[len(self.prefix) :]


def signature(prefix, digits, intervals):
    parts = ",".join(f"{lo}-{hi}" for lo, hi in sorted(tuple(i) for i in intervals))
    return f"{prefix}|{'*' if digits is None else digits}|{parts}"


def digits_label(digits):
    """ "1 digit", "3 digits", "any number of digits" (the "Efterfulgt af" choices)."""
    if digits is None:
        return _("any number of digits")
    return ngettext("%(count)d digit", "%(count)d digits", digits) % {"count": digits}


def describe(prefix, digits, intervals, rewrite):
    """A rule in one line: "20 + 1 digit (0–9) → +458877317"."""
    text = f"{prefix or _('(no prefix)')} + {digits_label(digits)}"
    if intervals:
        text += " (" + ", ".join(f"{lo}–{hi}" for lo, hi in intervals) + ")"
    return f"{text} → {rewrite}" if rewrite else f"{text} ({_('unchanged')})"


def _digits(text):
    return text.isascii() and text.isdigit()


def rule_check(prefix, digits, intervals, rewrite):
    """Problems of a rule as {field: [code, ...]} ({} = valid); fields prefix, digits,
    intervals, rewrite. Interval codes come as (code, row index)."""
    problems = {}

    def add(name, code):
        problems.setdefault(name, []).append(code)

    if not PREFIX_RE.fullmatch(prefix):
        add("prefix", PREFIX_CHARACTERS)
    elif len(prefix) > MAX_PREFIX:
        add("prefix", PREFIX_TOO_LONG)
    if digits is not None and not (0 <= digits <= MAX_DIGITS):
        add("digits", DIGITS_RANGE)
    if not REWRITE_RE.fullmatch(rewrite) or len(rewrite) > MAX_REWRITE:
        add("rewrite", REWRITE_CHARACTERS)
    if intervals and digits is None:
        add("intervals", (INTERVALS_WITH_ANY, None))
    elif len(intervals) > MAX_INTERVALS:
        add("intervals", (TOO_MANY_INTERVALS, None))
    elif intervals and "digits" not in problems:
        for index, (lo, hi) in enumerate(intervals):
            if not (_digits(lo) and _digits(hi) and len(lo) == digits and len(hi) == digits):
                add("intervals", (INTERVAL_LENGTH, index))
            elif lo > hi:
                add("intervals", (INTERVAL_REVERSED, index))
        if "intervals" not in problems:
            ordered = sorted(range(len(intervals)), key=lambda i: intervals[i])
            for before, after in zip(ordered, ordered[1:], strict=False):
                if intervals[after][0] <= intervals[before][1]:
                    add("intervals", (INTERVAL_OVERLAP, after))
                    break
    if not prefix and not intervals and "prefix" not in problems:
        # An empty prefix needs a digit restriction: else it matches every number of N digits.
        add("prefix", EMPTY_PREFIX)
    if not problems:
        rule = Rule(prefix=prefix, digits=digits, intervals=tuple(tuple(i) for i in intervals))
        if any(rule.matches(n) for n in EMERGENCY):
            add("prefix", EMERGENCY_MATCH)
    return problems


# --- applying ------------------------------------------------------------------------------

_KEY = attrgetter("key")


class Conversion(NamedTuple):
    """The outcome for one number: the converted number, the winning rule (None: no rule
    matched, or an emergency number) and the other matching rules with why each lost."""

    number: str
    converted: str
    rule: Rule | None
    losers: tuple = ()  # ((Rule, reason), ...), best first
    emergency: bool = False

    @property
    def changed(self):
        return self.converted != self.number


# Up to this many rules a set is scanned in order (sorting is all it costs to prepare); larger
# sets are indexed by prefix and number length.
LINEAR_MAX = 32


class RuleSet:
    """Rules prepared for converting many numbers: sorted best first and, when there are many,
    indexed by prefix, then rules with a fixed digit count by the length of the numbers they
    match, "any number of digits" apart. Prepared on first use: a loader builds one set per
    user of an organisation, most of which may never convert a number."""

    def __init__(self, rules, *, linear_max=LINEAR_MAX):
        self._rules = rules
        self._linear_max = linear_max
        self.rules = None
        self.index = None

    def _build(self):
        self.rules = tuple(sorted(self._rules, key=_KEY))
        if len(self.rules) <= self._linear_max:
            return
        self.index = {}  # prefix -> ({number length: [rules]}, [any-digit rules]), key order
        for rule in self.rules:
            fixed, any_ = self.index.setdefault(rule.prefix, ({}, []))
            if rule.digits is None:
                any_.append(rule)
            else:
                fixed.setdefault(len(rule.prefix) + rule.digits, []).append(rule)
        self.prefix_lengths = sorted({len(p) for p in self.index})

    def __iter__(self):
        if self.rules is None:
            self._build()
        return iter(self.rules)

    def __len__(self):
        return len(self._rules)

    def matching(self, number):
        """The rules that match `number`, best first."""
        if self.rules is None:
            self._build()
        if self.index is None:
            return [rule for rule in self.rules if rule.matches(number)]
        found = []
        size = len(number)
        index = self.index
        for length in self.prefix_lengths:
            if length > size:
                break
            entry = index.get(number[:length])
            if entry is None:
                continue
            candidates = entry[0].get(size)
            if candidates is None and not entry[1]:
                continue
            rest = number[length:]
            if rest and not (rest.isascii() and rest.isdigit()):
                continue
            if candidates is not None:
                for rule in candidates:
                    if not rule.intervals or any(lo <= rest <= hi for lo, hi in rule.intervals):
                        found.append(rule)
            found.extend(entry[1])
        if len(found) > 1:
            found.sort(key=_KEY)
        return found


def reason(winner, loser):
    """Why `loser` lost against `winner`: the first criterion that tells them apart."""
    if len(loser.prefix) != len(winner.prefix):
        return SHORTER_PREFIX
    if (loser.digits is None) != (winner.digits is None):
        return ANY_DIGITS
    if loser.width != winner.width:
        return WIDER_INTERVALS
    if loser.rank != winner.rank:
        return LOWER_SCOPE
    return LATER_RULE


def conversion_apply(rules, number):
    """Convert the dialled `number` (a string) with `rules` (a RuleSet or an iterable of Rule).

    Returns a Conversion. Pure: no queries, the same answer for the same input."""
    if not isinstance(rules, RuleSet):
        rules = RuleSet(rules)
    number = number.strip()
    if number in EMERGENCY:
        return Conversion(number=number, converted=number, rule=None, emergency=True)
    found = rules.matching(number)
    if not found:
        return Conversion(number=number, converted=number, rule=None)
    winner = found[0]
    losers = tuple((r, reason(winner, r)) for r in found[1:])
    return Conversion(number=number, converted=winner.convert(number), rule=winner, losers=losers)
