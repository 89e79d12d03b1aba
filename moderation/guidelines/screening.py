"""Match text (and a world's mechanics) against guideline rules; the decision is block, flag or allow.

Contract:
- `Screener(rules, encode=...)` compiles `Rule`s once; `screen(text, field=..., mechanics=())` returns a
  `Decision` whose `action` is "block" if any block rule hit, else "flag" if any flag rule hit, else
  "allow". `screen_many` does the same for many texts with one batched MiniLM call.
- Keyword rules match whole words of every normalised view of the text (see normalise.py): letters may
  repeat ("fuuuck"), a regular suffix may follow (s, ed, ing, er, …), "*" at a word's start or end of the
  phrase means any letters, and a masked word in the text ("f*ck", "sh**") matches a keyword it fits.
- Semantic rules embed the concept sentence and each clause of the text with MiniLM; a clause at
  cosine >= the rule's threshold hits, unless an allow concept is at least as near to that clause
  (minus `allow_margin`): "shoot for the stars" is nearer to its allow concept than to "a mass shooting".
- Combination rules: terms joined by "+"; a term that is a mechanic id needs that mechanic, any other
  term is "word|word|…" alternatives matched like keywords. Every term must hold.
- Rules apply to the fields they list (all fields when they list none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from moderation.guidelines.normalise import normalised_views, plain_text

BLOCK, FLAG, ALLOW = "block", "flag", "allow"
KEYWORD, SEMANTIC, COMBINATION, REGEX = "keyword", "semantic", "combination", "regex"
DEFAULT_SEMANTIC_THRESHOLD = 0.6
DEFAULT_ALLOW_MARGIN = 0.0
_SUFFIX = r"(?:s|es|ed|d|ing|in|n|er|ers|y|z|ty|tie|ties)?"
_CLAUSE_SPLIT = re.compile(r"[.;:!?\n]+|,\s+|\s+-\s+|\s+(?:and|but|while|then|where|so)\s+")

#: How a category reads in a reason sentence.
CATEGORY_WORDS = {
    "sexual": "sexual content",
    "minors": "sexualising minors",
    "violence": "real-world violence",
    "gore": "gore and torture",
    "hate": "hate speech",
    "extremism": "extremism",
    "self_harm": "self-harm",
    "drugs": "drug content",
    "harassment": "harassment",
    "profanity": "profanity",
    "photosensitivity": "a photosensitivity risk",
}

Encoder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Rule:
    """A guideline rule as the matcher sees it (moderation.models.PolicyRule documents the fields)."""

    category: str
    phrase: str
    match_kind: str = KEYWORD
    action: str = BLOCK
    threshold: float | None = None
    fields: tuple[str, ...] = ()
    id: int | None = None

    def applies_to(self, field_name: str) -> bool:
        return not self.fields or field_name in self.fields


@dataclass(frozen=True)
class Hit:
    rule: Rule
    matched: str
    score: float | None = None

    def as_json(self) -> dict:
        return {
            "rule": self.rule.id,
            "category": self.rule.category,
            "action": self.rule.action,
            "kind": self.rule.match_kind,
            "phrase": self.rule.phrase,
            "matched": self.matched,
            "score": None if self.score is None else round(self.score, 3),
        }


@dataclass(frozen=True)
class Decision:
    action: str
    hits: tuple[Hit, ...] = field(default=())

    @property
    def top(self) -> Hit | None:
        """The deciding hit: the strongest block hit, else the strongest flag hit."""
        ranked = sorted(self.hits, key=lambda h: (h.rule.action != BLOCK, -(h.score or 1.0)))
        return ranked[0] if ranked else None

    @property
    def category(self) -> str:
        return self.top.rule.category if self.top else ""

    def reason(self, field_name: str = "text") -> str:
        """A sentence for the creator and the moderator: what matched and why."""
        hit = self.top
        if hit is None:
            return ""
        what = CATEGORY_WORDS.get(hit.rule.category, hit.rule.category.replace("_", " "))
        if hit.rule.match_kind == SEMANTIC:
            how = f"reads like “{hit.rule.phrase}” (similarity {hit.score:.2f})"
        elif hit.rule.match_kind == COMBINATION:
            how = f"combines {hit.matched}"
        else:
            how = f"contains “{hit.matched}”"
        verdict = "is not allowed" if self.action == BLOCK else "needs a moderator's review"
        return f"This {field_name} {how}: {what} {verdict}."


def _word_pattern(word: str) -> str:
    lead, trail = word.startswith("*"), word.endswith("*")
    core = word.strip("*")
    body = "".join(f"{re.escape(c)}+" if c.isalpha() else re.escape(c) for c in core)
    return ("[a-z]*" if lead else "") + body + ("[a-z]*" if trail else "")


def keyword_regex(phrase: str) -> re.Pattern:
    """The compiled whole-word pattern of a keyword phrase (see the module contract)."""
    words = phrase.lower().split()
    parts = [_word_pattern(w) for w in words]
    if not words[-1].endswith("*"):
        parts[-1] += _SUFFIX
    return re.compile(r"(?<![a-z0-9])" + r"[\s*]+".join(parts) + r"(?![a-z0-9])")


def _mask_regex(masked: str) -> re.Pattern:
    body = "".join(
        "[a-z]{1,3}" if run.startswith("*") else "".join(f"{c}+" for c in run)
        for run in re.findall(r"\*+|[a-z0-9]+", masked)
    )
    return re.compile(body + _SUFFIX)


@dataclass
class _Compiled:
    rule: Rule
    pattern: re.Pattern | None = None
    terms: list[tuple[str, object]] = field(default_factory=list)  # ("mechanic", id) | ("words", [patterns])
    plain_word: str | None = None  # single-word keyword without wildcards, for masked-word matching


class Screener:
    def __init__(
        self,
        rules: Iterable[Rule],
        *,
        encode: Encoder | None = None,
        mechanic_ids: Iterable[str] | None = None,
        allow_margin: float = DEFAULT_ALLOW_MARGIN,
    ):
        if mechanic_ids is None:
            from inference.corpus.spec import MECHANICS

            mechanic_ids = MECHANICS
        self.mechanic_ids = set(mechanic_ids)
        self.allow_margin = allow_margin
        self._encode = encode
        self.lexical: list[_Compiled] = []
        self.concepts: list[Rule] = []
        self.allow_concepts: list[Rule] = []
        for rule in rules:
            self._add(rule)
        self._concept_vectors: np.ndarray | None = None
        self._allow_vectors: np.ndarray | None = None

    def _add(self, rule: Rule) -> None:
        if rule.match_kind == SEMANTIC:
            (self.allow_concepts if rule.action == ALLOW else self.concepts).append(rule)
            return
        if rule.action == ALLOW:
            return  # lexical allow rules have no meaning yet; ignored rather than guessed at
        compiled = _Compiled(rule)
        if rule.match_kind == KEYWORD:
            compiled.pattern = keyword_regex(rule.phrase)
            stem = rule.phrase.strip().lower()
            if " " not in stem and "*" not in stem.strip("*"):
                compiled.plain_word = stem.strip("*")
        elif rule.match_kind == REGEX:
            compiled.pattern = re.compile(rule.phrase)
        elif rule.match_kind == COMBINATION:
            for term in (t.strip().lower() for t in rule.phrase.split("+")):
                if term in self.mechanic_ids:
                    compiled.terms.append(("mechanic", term))
                elif term:
                    compiled.terms.append(("words", [keyword_regex(a) for a in term.split("|") if a.strip()]))
        else:
            raise ValueError(f"unknown match kind {rule.match_kind!r}")
        self.lexical.append(compiled)

    # --- lexical -------------------------------------------------------------------------------
    def _lexical_hits(self, views: list[str], field_name: str, mechanics: set[str]) -> list[Hit]:
        hits = []
        masked = {w for view in views for w in view.split() if "*" in w}
        for c in self.lexical:
            if not c.rule.applies_to(field_name):
                continue
            if c.rule.match_kind == COMBINATION:
                matched = self._combination(c, views, mechanics)
                if matched:
                    hits.append(Hit(c.rule, matched))
                continue
            found = next((m.group(0) for v in views if (m := c.pattern.search(v))), None)
            if found is None and c.plain_word and masked:
                found = next((w for w in masked if _mask_regex(w).fullmatch(c.plain_word)), None)
            if found is not None:
                hits.append(Hit(c.rule, found))
        return hits

    @staticmethod
    def _combination(c: _Compiled, views: list[str], mechanics: set[str]) -> str | None:
        parts = []
        for kind, value in c.terms:
            if kind == "mechanic":
                if value not in mechanics:
                    return None
                parts.append(f"the “{value}” mechanic")
                continue
            found = next((m.group(0) for v in views for p in value if (m := p.search(v))), None)
            if found is None:
                return None
            parts.append(f"“{found}”")
        return " + ".join(parts) if parts else None

    # --- semantic ------------------------------------------------------------------------------
    def _vectors(self) -> tuple[np.ndarray, np.ndarray]:
        if self._concept_vectors is None:
            phrases = [r.phrase for r in self.concepts] + [r.phrase for r in self.allow_concepts]
            vectors = self._embed(phrases)
            self._concept_vectors = vectors[: len(self.concepts)]
            self._allow_vectors = vectors[len(self.concepts) :]
        return self._concept_vectors, self._allow_vectors

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._encode is None:
            from inference.text_encoder import encode

            self._encode = encode
        return np.asarray(self._encode(list(texts)), np.float32)

    @staticmethod
    def clauses(text: str) -> list[str]:
        """The units embedded for a text: the whole (folded, de-leeted) text and each clause of 2+ words."""
        whole = plain_text(text).strip()
        units = [whole] if whole else []
        parts = [p.strip() for p in _CLAUSE_SPLIT.split(whole) if p and len(p.split()) >= 2]
        units += [p for p in parts if p != whole]
        return list(dict.fromkeys(units))

    def _semantic_hits(self, units: list[str], unit_vectors: np.ndarray, field_name: str) -> list[Hit]:
        concepts = [i for i, r in enumerate(self.concepts) if r.applies_to(field_name)]
        if not concepts or not units:
            return []
        concept_vectors, allow_vectors = self._vectors()
        sims = unit_vectors @ concept_vectors[concepts].T  # (units, concepts)
        allow = (
            (unit_vectors @ allow_vectors.T).max(axis=1) if len(allow_vectors) else np.full(len(units), -1.0)
        )
        hits = []
        for j, index in enumerate(concepts):
            rule = self.concepts[index]
            threshold = rule.threshold if rule.threshold is not None else DEFAULT_SEMANTIC_THRESHOLD
            ok = (sims[:, j] >= threshold) & (sims[:, j] > allow + self.allow_margin)
            if ok.any():
                best = int(np.argmax(np.where(ok, sims[:, j], -2)))
                hits.append(Hit(rule, units[best], float(sims[best, j])))
        return hits

    # --- public --------------------------------------------------------------------------------
    def screen(self, text: str, *, field: str, mechanics: Iterable[str] = ()) -> Decision:
        return self.screen_many([text], field=field, mechanics=[mechanics])[0]

    def screen_many(
        self, texts: Sequence[str], *, field: str, mechanics: Sequence[Iterable[str]] | None = None
    ) -> list[Decision]:
        mechanics = mechanics or [()] * len(texts)
        units = [self.clauses(t) for t in texts]
        flat = [u for us in units for u in us]
        wants_semantic = any(r.applies_to(field) for r in self.concepts)
        vectors = self._embed(flat) if wants_semantic and flat else np.zeros((len(flat), 0), np.float32)
        decisions, offset = [], 0
        for text, text_units, mechs in zip(texts, units, mechanics, strict=True):
            hits = self._lexical_hits(normalised_views(text), field, set(mechs))
            if wants_semantic:
                hits += self._semantic_hits(text_units, vectors[offset : offset + len(text_units)], field)
            offset += len(text_units)
            action = BLOCK if any(h.rule.action == BLOCK for h in hits) else FLAG if hits else ALLOW
            decisions.append(Decision(action, tuple(hits)))
        return decisions
