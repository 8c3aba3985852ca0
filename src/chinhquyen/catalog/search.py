"""Search the procedure catalog in Vietnamese: the one search used by the portal, the desk and the API.

How it works:

1. Text is folded in the application (:func:`chinhquyen.lib.vntext.fold`: NFC/NFD-insensitive,
   no diacritics, đ→d, lower case) and cut into ASCII words (:func:`search_tokens`); the spelling
   variants i/y at the end of a syllable ("đăng kí"/"đăng ký") are made equal. Each procedure
   stores the words of its name (``search_name``) and of its body (``search_body``: field,
   agencies, results, papers, …).
2. The database finds candidates on those columns with its own full-text index: SQLite FTS5
   (table ``catalog_procedure_fts``, kept in sync by :func:`index_procedures`), PostgreSQL GIN
   indexes on ``to_tsvector('simple', …)``. Both see the same ASCII words, so both find the same
   rows. Candidates are the procedures whose name has any query word, plus those whose name and
   body together have all of them.
3. Python ranks the candidates, the same way on both databases: name matches above body matches
   (words weighted by rarity), exact phrase and diacritic-exact matches boosted, short names that
   the query covers well first.
4. Typos: a word found in no name and no body is replaced by the closest words of the names'
   vocabulary (edit distance ≤ 1, ≤ 2 for words of 6+ letters; a symmetric-delete index built
   once per catalog change). When nothing matches at all, trigram similarity over names
   (pg_trgm on PostgreSQL; the same trigrams computed in Python on SQLite, which is fine for a
   catalog of a few thousand rows) gives the last chance.
5. A query that looks like a code (``1.0016``, ``2.000123``) looks codes up by prefix.

Any input is accepted: it is truncated, folded and reduced to words, so quotes, ``*``, ``NEAR``,
SQL and emoji cannot reach the database as syntax.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.expressions import RawSQL

from chinhquyen.catalog import codes
from chinhquyen.catalog.models import LEVEL_FLAGS, ONLINE_LEVELS, OnlineLevel, Procedure
from chinhquyen.lib.vntext import fold

MAX_QUERY_CHARS = 200
MAX_TOKENS = 10
MAX_PER_PAGE = 100
FTS_TABLE = "catalog_procedure_fts"
PG_TABLE = "catalog_procedure_search"
# Words found in more than this share of names do not fetch candidates on their own when the
# query has rarer words (they still count when ranking).
COMMON_SHARE = 0.2
TRIGRAM_THRESHOLD = 0.3

_WORD = re.compile(r"[a-z0-9]+")
# Words people add around what they look for ("làm giấy khai sinh cho con ở đâu"): they rank a
# little but are not required to match.
SOFT_WORDS = frozenset(
    "lam cho cua va voi tai de muon can gi nao the nhu thu tuc xin ve bao nhieu dau nhung cac mot "
    "duoc phai toi em anh chi".split()
)
# Letters Vietnamese speakers of different regions swap when spelling by ear.
_SOUNDALIKE = (("x", "s"), ("s", "x"), ("tr", "ch"), ("ch", "tr"), ("gi", "d"), ("d", "gi"),
               ("r", "d"), ("d", "r"), ("l", "n"), ("n", "l"), ("v", "d"), ("i", "y"))  # fmt: skip
_LETTER_WORD = re.compile(r"\w+")
_VOWELS = set("aeiouy")


# --- text → words ------------------------------------------------------------------------------


def _canonical(word: str) -> str:
    # "ky"/"ki", "ly"/"li", "my"/"mi": the final y after a consonant is written either way.
    if len(word) >= 2 and word.endswith("y") and word[-2] not in _VOWELS and not word[-2].isdigit():
        return word[:-1] + "i"
    return word


def search_tokens(text: str | None) -> list[str]:
    """Folded ASCII words of ``text``, in order: ``"Đăng ký khai-sinh"`` → dang, ki, khai, sinh."""
    return [_canonical(w) for w in _WORD.findall(fold(text))]


def search_text(*parts: str | None, limit: int = 0) -> str:
    text = " ".join(t for part in parts for t in search_tokens(part))
    if limit and len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0]
    return text


def _marked_words(text: str) -> list[str]:
    """The query's words that carry Vietnamese marks, NFC lower case (for the diacritic boost)."""
    words = _LETTER_WORD.findall(unicodedata.normalize("NFC", text).lower())
    return [w for w in words if fold(w) != w]


# --- the index (SQLite FTS5; PostgreSQL needs nothing: its indexes are on the columns) ----------


def index_procedures(ids: Iterable[int] | None = None) -> None:
    """Bring the search rows of ``ids`` (all when ``None``) in line with their procedures.

    SQLite: the FTS5 table; PostgreSQL: ``catalog_procedure_search`` (see migration 0002).
    """
    table = FTS_TABLE if connection.vendor == "sqlite" else PG_TABLE
    key = "rowid" if connection.vendor == "sqlite" else "procedure_id"
    columns = (
        f"{key}, name, body"
        if connection.vendor == "sqlite"
        else f"{key}, search_name, search_body"
    )
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - constant names only
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608
                "SELECT id, search_name, search_body FROM catalog_procedure"
            )
            return
        ids = list(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE {key} IN ({marks})", chunk)  # noqa: S608
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608
                f"SELECT id, search_name, search_body FROM catalog_procedure WHERE id IN ({marks})",
                chunk,
            )


# --- vocabulary of names (for typos and word weights), cached per catalog state ------------------


@dataclass
class _Vocabulary:
    key: tuple
    size: int
    df: Counter  # word → number of names containing it
    deletes: dict[str, set[str]]  # symmetric-delete index for edit distance ≤ 2
    names: list[tuple[int, str]] = field(default_factory=list)  # (id, search_name)
    words: list[str] = field(default_factory=list)  # sorted, for prefix look-ups
    pairs: set[tuple[str, str]] = field(default_factory=set)  # adjacent words in names
    # id → (code, name, words, set of words)
    rows: dict[int, tuple[str, str, list[str], frozenset[str]]] = field(default_factory=dict)
    grams: dict[int, set[str]] = field(default_factory=dict)  # id → trigrams of search_name
    postings: dict[str, set[int]] = field(default_factory=dict)  # word → ids of names with it

    def ids_with(self, words: Iterable[str]) -> set[int]:
        found: set[int] = set()
        for word in words:
            found |= self.postings.get(word, set())
        return found

    def with_prefix(self, prefix: str) -> set[str]:
        start = bisect.bisect_left(self.words, prefix)
        end = bisect.bisect_left(self.words, prefix + "\x7f")
        return set(self.words[start:end])

    def has_prefix(self, prefix: str) -> bool:
        i = bisect.bisect_left(self.words, prefix)
        return i < len(self.words) and self.words[i].startswith(prefix)


_vocab_lock = threading.Lock()
_vocab: _Vocabulary | None = None


def _deletions(word: str, depth: int) -> set[str]:
    result, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w)) if len(w) > 1}
        result |= frontier
    return result


def _max_distance(word: str) -> int:
    return 0 if len(word) < 3 else 1 if len(word) < 6 else 2


def _vocabulary() -> _Vocabulary:
    global _vocab
    active = Procedure.objects.filter(is_active=True)
    # Any write through the services moves max(updated_at) (deactivating too); the count sees
    # deletions. On PostgreSQL MAX of indexed columns is an index look-up, COUNT reads the table.
    if connection.vendor == "postgresql":
        state = Procedure.objects.aggregate(n=Max("id"), t=Max("updated_at"))
    else:
        state = Procedure.objects.aggregate(c=Count("id"), n=Max("id"), t=Max("updated_at"))
    key = (connection.alias, connection.settings_dict.get("NAME"), *sorted(state.items()))
    current = _vocab
    if current is not None and current.key == key:
        return current
    with _vocab_lock:
        rows = {}
        for pk, code, name, text in active.values_list(*_ROW):
            words = text.split()
            rows[pk] = (code, name, words, frozenset(words))
        names = [(pk, " ".join(row[2])) for pk, row in rows.items()]
        df: Counter = Counter()
        pairs: set[tuple[str, str]] = set()
        postings: dict[str, set[int]] = {}
        for pk, text in names:
            words = text.split()
            df.update(set(words))
            pairs.update(zip(words, words[1:], strict=False))
            for word in set(words):
                postings.setdefault(word, set()).add(pk)
        deletes: dict[str, set[str]] = {}
        for word in df:
            for variant in _deletions(word, _max_distance(word)):
                deletes.setdefault(variant, set()).add(word)
        grams = {pk: trigrams(text) for pk, text in names}
        _vocab = _Vocabulary(
            key, len(names), df, deletes, names, sorted(df), pairs, rows, grams, postings
        )
        return _vocab


def _distance(a: str, b: str) -> int:
    """Damerau–Levenshtein (optimal string alignment) distance."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _soundalikes(word: str, vocab: _Vocabulary) -> list[str]:
    found = []
    for wrong, right in _SOUNDALIKE:
        if word.startswith(wrong):
            candidate = right + word[len(wrong) :]
            if candidate in vocab.df and candidate not in found:
                found.append(candidate)
    return found


def _corrections(word: str, vocab: _Vocabulary, limit: int = 6) -> list[str]:
    if alike := _soundalikes(word, vocab):
        return alike
    depth = _max_distance(word)
    if not depth:
        return []
    found: set[str] = set()
    for variant in _deletions(word, depth):
        found |= vocab.deletes.get(variant, set())
    scored = sorted(
        ((d, -vocab.df[w], w) for w in found if (d := _distance(word, w)) <= depth),
    )
    if not scored:
        return []
    best = scored[0][0]
    return [w for d, _, w in scored if d == best][:limit]


# --- trigrams, as pg_trgm computes them --------------------------------------------------------


def trigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for word in text.split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def _jaccard(ta: set[str], tb: set[str]) -> float:
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity(a, b)``: shared trigrams over all trigrams of the two texts."""
    return _jaccard(trigrams(a), trigrams(b))


# --- the query ---------------------------------------------------------------------------------


@dataclass
class QueryTerm:
    word: str  # what was typed (folded)
    alternatives: list[str]  # words to look for: the word itself, or its corrections
    prefix: bool = False  # the last word while typing: also match longer words
    corrected: bool = False
    soft: bool = False  # a filler word: ranks a little, never required
    marked: str = ""  # the word as typed when it carries marks ("đổi"): must match them exactly


@dataclass
class ParsedQuery:
    text: str
    terms: list[QueryTerm]
    marked: list[str]
    dropped: list[str] = field(default_factory=list)

    @property
    def corrections(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for t in self.terms:
            if t.corrected:
                found.setdefault(t.word, []).extend(
                    a for a in t.alternatives if a not in found.get(t.word, [])
                )
        return found


def _word_exists(
    word: str, prefix: bool, vocab: _Vocabulary, include_inactive: bool = False
) -> bool:
    """Is ``word`` in any name or body (prefix: the beginning of a word)?"""
    ids = _match_ids([[word]], [prefix], "all")
    if include_inactive:
        return Procedure.objects.filter(id__in=ids).exists()
    return not ids.isdisjoint(vocab.rows.keys())


def parse_query(text: str, vocab: _Vocabulary, *, include_inactive: bool = False) -> ParsedQuery:
    text = unicodedata.normalize("NFC", text or "")[:MAX_QUERY_CHARS]
    words: list[str] = []
    for word in search_tokens(text):
        if word not in words:
            words.append(word)
    words = words[:MAX_TOKENS]
    typing = bool(text) and not text[-1].isspace()
    marks: dict[str, str] = {}
    for typed in _marked_words(text):
        tokens = search_tokens(typed)
        if len(tokens) == 1:
            marks.setdefault(tokens[0], typed)
    terms, dropped = [], []
    for index, word in enumerate(words):
        prefix = typing and index == len(words) - 1
        if word in SOFT_WORDS and len(words) > 1:
            terms.append(QueryTerm(word, [word], soft=True))
        elif word in vocab.df or (prefix and vocab.has_prefix(word)):
            terms.append(QueryTerm(word, [word], prefix, marked=marks.get(word, "")))
        elif _word_exists(word, prefix, vocab, include_inactive):
            terms.append(QueryTerm(word, [word], prefix, marked=marks.get(word, "")))
        elif split := _split_glued(word, vocab):
            terms += [QueryTerm(word, [part], corrected=True) for part in split]
        elif fixes := _corrections(word, vocab):
            terms.append(QueryTerm(word, fixes, prefix=False, corrected=True))
        else:
            dropped.append(word)
    _soundalike_in_context(terms, vocab)
    return ParsedQuery(text, terms, _marked_words(text), dropped)


def _split_glued(word: str, vocab: _Vocabulary) -> list[str]:
    """ "dangky" → dang, ki: two words typed without the space, that follow each other in names."""
    best, best_df = [], 0
    for i in range(1, len(word)):
        left, right = _canonical(word[:i]), _canonical(word[i:])
        if (left, right) in vocab.pairs:
            df = min(vocab.df[left], vocab.df[right])
            if df > best_df:
                best, best_df = [left, right], df
    return best


def _soundalike_in_context(terms: list[QueryTerm], vocab: _Vocabulary) -> None:
    """ "tạm chú" → also "tạm trú": a real word that never follows its neighbour in any name,
    while a sound-alike spelling does."""
    for i, term in enumerate(terms):
        if term.soft or term.corrected or len(term.alternatives) != 1:
            continue
        word = term.alternatives[0]
        before = terms[i - 1].alternatives[0] if i else None
        after = terms[i + 1].alternatives[0] if i + 1 < len(terms) else None

        def fits(w: str, before: str | None = before, after: str | None = after) -> bool:
            return (before is not None and (before, w) in vocab.pairs) or (
                after is not None and (w, after) in vocab.pairs
            )

        if (before is None and after is None) or fits(word):
            continue
        better = [w for w in _soundalikes(word, vocab) if fits(w)]
        if better:
            term.alternatives = better + [word]
            term.corrected = True


# --- candidate retrieval in the database --------------------------------------------------------


def _fts_query(
    groups: Sequence[Sequence[str]], prefixes: Sequence[bool], column: str | None
) -> str:
    parts = []
    for words, prefix in zip(groups, prefixes, strict=True):
        alts = " OR ".join(f'"{w}"' + ("*" if prefix else "") for w in words)
        parts.append(f"({alts})")
    joined = (" OR " if column else " AND ").join(parts)
    return f"{column} : ({joined})" if column else joined


def _ts_query(groups: Sequence[Sequence[str]], prefixes: Sequence[bool], any_word: bool) -> str:
    parts = []
    for words, prefix in zip(groups, prefixes, strict=True):
        alts = " | ".join(w + (":*" if prefix else "") for w in words)
        parts.append(f"({alts})")
    return (" | " if any_word else " & ").join(parts)


def _match_sql(
    groups: Sequence[Sequence[str]], prefixes: Sequence[bool], mode: str
) -> tuple[str, list]:
    """SQL selecting the ids whose name has any of the groups (``mode="name"``) or whose text has
    all of them (``"all"``), from the search table of the database.

    Every word is ``[a-z0-9]+`` (see :func:`search_tokens`), so the query strings built here
    cannot carry FTS or tsquery syntax from the user.
    """
    assert all(_WORD.fullmatch(w) for words in groups for w in words)
    if connection.vendor == "postgresql":
        column = "name_tsv" if mode == "name" else "all_tsv"
        sql = f"SELECT procedure_id FROM {PG_TABLE} WHERE {column} @@ to_tsquery('simple'::regconfig, %s)"  # noqa: S608
        return sql, [_ts_query(groups, prefixes, mode == "name")]
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
    return sql, [_fts_query(groups, prefixes, "name" if mode == "name" else None)]


def _match(groups: Sequence[Sequence[str]], prefixes: Sequence[bool], mode: str) -> Q:
    """:func:`_match_sql` as a condition on procedures (for filtered searches)."""
    sql, params = _match_sql(groups, prefixes, mode)
    return Q(id__in=RawSQL(sql, params))  # noqa: S611 - parameterised, words are [a-z0-9]+


def _match_ids(groups: Sequence[Sequence[str]], prefixes: Sequence[bool], mode: str) -> set[int]:
    """The ids of :func:`_match_sql`, read from the narrow search table alone (no join)."""
    sql, params = _match_sql(groups, prefixes, mode)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _named(vocab: _Vocabulary, term: QueryTerm) -> set[int]:
    """Ids of active procedures whose name has the term (or, while typing, a word it begins)."""
    found = vocab.ids_with(term.alternatives)
    if term.prefix and len(term.word) > 1:
        found |= vocab.ids_with(vocab.with_prefix(term.alternatives[0]))
    return found


def _trigram_candidates(
    base: QuerySet, text: str, vocab: _Vocabulary, limit: int = 50
) -> list[int]:
    if not text:
        return []
    if connection.vendor == "postgresql":
        # "%" uses the pg_trgm GIN index (threshold pg_trgm.similarity_threshold, 0.3 by default).
        sql = f"SELECT procedure_id FROM {PG_TABLE} WHERE search_name %% %s"  # noqa: S608
        qs = base.filter(id__in=RawSQL(sql, [text]))  # noqa: S611 - parameterised
        return list(qs.values_list("id", flat=True)[: limit * 4])
    allowed = set(base.values_list("id", flat=True))
    grams = trigrams(text)
    scored = [(_jaccard(grams, vocab.grams[pk]), pk) for pk, _ in vocab.names if pk in allowed]
    return [pk for s, pk in sorted(scored, reverse=True) if s >= TRIGRAM_THRESHOLD][: limit * 4]


# --- filters -----------------------------------------------------------------------------------


def filtered(
    *,
    field: str | int | None = None,
    level: str | None = None,
    agency: str | None = None,
    online: str | None = None,
    include_inactive: bool = False,
    life_event: str | None = None,
) -> QuerySet:
    """Procedures matching the filters. Unknown filter values match nothing (never an error).

    ``field``: a field id or name (any spelling); ``level``: province, commune, ministry, other;
    ``agency``: an agency identifier code; ``online``: full, partial, none, or yes (any online);
    ``life_event``: a life event's slug.
    """
    qs = Procedure.objects.all() if include_inactive else Procedure.objects.filter(is_active=True)
    if field not in (None, ""):
        value = str(field).strip()
        if value.isdigit():
            qs = qs.filter(field_id=int(value))
        else:
            qs = qs.filter(field__name_key=fold(value))
    if level:
        flag = LEVEL_FLAGS.get(level)
        qs = qs.filter(**{flag: True}) if flag else qs.none()
    if agency:
        qs = qs.filter(agency_links__agency__code=agency.strip().upper()).distinct()
    if life_event:
        qs = qs.filter(life_event_items__life_event__slug=life_event.strip().lower()).distinct()
    if online:
        if online in ("yes", "1", "true", "co"):
            qs = qs.filter(online_level__in=ONLINE_LEVELS)
        elif online in OnlineLevel.values:
            qs = qs.filter(online_level=online)
        else:
            qs = qs.none()
    return qs


# --- ranking -----------------------------------------------------------------------------------


@dataclass
class _Candidate:
    id: int
    code: str
    name: str
    words: list[str]
    in_all: bool = False
    score: float = 0.0


def _contains_run(words: Sequence[str], run: Sequence[str], last_prefix: bool) -> int:
    """Index where ``run`` occurs contiguously in ``words`` (last word may be a prefix), or -1."""
    n = len(run)
    for start in range(len(words) - n + 1):
        ok = True
        for k, w in enumerate(run):
            got = words[start + k]
            if not (got == w or (last_prefix and k == n - 1 and got.startswith(w))):
                ok = False
                break
        if ok:
            return start
    return -1


def _hit(term: QueryTerm, wordset: frozenset[str] | set[str], prefix_words: set[str]) -> str | None:
    for alt in term.alternatives:
        if alt in wordset:
            return alt
    if term.prefix and not wordset.isdisjoint(prefix_words):
        return term.alternatives[0]
    return None


def _weights(query: ParsedQuery, vocab: _Vocabulary) -> list[float]:
    size = max(vocab.size, 1)
    weights = []
    for term in query.terms:
        df = max((vocab.df.get(a, 0) for a in term.alternatives), default=0)
        weight = math.log(1.0 + size / (1.0 + df))
        weights.append(weight * 0.2 if term.soft else weight)
    return weights


def _score(
    c: _Candidate, query: ParsedQuery, weights: list[float], prefix_words: list[set[str]]
) -> float:
    words = c.words
    wordset = set(words)
    total = sum(weights) or 1.0
    marked = query.marked and any(t.marked for t in query.terms)
    name_words = set(_LETTER_WORD.findall(c.name.lower())) if marked else set()
    matched_weight, matched_words, hits = 0.0, 0, []
    for term, weight, prefixed in zip(query.terms, weights, prefix_words, strict=True):
        hit = _hit(term, wordset, prefixed)
        if hit is not None:
            factor = 0.85 if term.corrected or hit != term.alternatives[0] else 1.0
            if term.marked and not term.prefix and term.marked not in name_words:
                # "đời" typed, "đổi" in the name: the same letters, another word.
                factor, hit = 0.5, None
            matched_weight += weight * factor
            matched_words += 1
        hits.append(hit)
    coverage = matched_weight / total
    score = 100.0 * coverage + (25.0 if c.in_all else 0.0)
    # The query's words, in order, as one run of the name (the last word may be a prefix).
    run = [h for h, t in zip(hits, query.terms, strict=True) if not t.soft]
    if run and None not in run and (len(run) > 1 or len(words) == 1):
        position = _contains_run(words, run, query.terms[-1].prefix)
        if position >= 0:
            score += 30.0 + (10.0 if position == 0 else 0.0)
            if len(run) == len(words):
                score += 20.0
    pairs = [(a, b) for a, b in zip(run, run[1:], strict=False) if a is not None and b is not None]
    if len(run) > 1:
        name_pairs = set(zip(words, words[1:], strict=False))
        score += 25.0 * sum(1 for pair in pairs if pair in name_pairs) / (len(run) - 1)
    score -= min(15.0, 0.5 * max(0, len(words) - matched_words))
    if marked:
        score += 15.0 * sum(1 for w in query.marked if w in name_words) / len(query.marked)
    if words:
        score += 10.0 * min(matched_words, len(words)) / len(words)
    return score


# --- the public functions ------------------------------------------------------------------------


@dataclass
class SearchResult:
    query: str
    items: list[Procedure]
    total: int
    page: int
    per_page: int
    mode: str  # browse, code, text, fuzzy
    corrections: dict[str, list[str]] = field(default_factory=dict)
    ignored_words: list[str] = field(default_factory=list)
    scores: dict[int, float] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _page_numbers(page: int | str | None, per_page: int | str | None) -> tuple[int, int]:
    try:
        page = max(1, int(page or 1))
    except (TypeError, ValueError):
        page = 1
    try:
        per_page = min(MAX_PER_PAGE, max(1, int(per_page or 20)))
    except (TypeError, ValueError):
        per_page = 20
    return min(page, 100_000), per_page


# Long texts that result lists never show: not read for them.
LIST_DEFER = (
    "steps_text", "conditions", "legal_basis", "legal_basis_text", "channels_text", "papers_text",
    "search_name", "search_body", "result_description", "receiving_address", "related_procedures",
    "applicant_types", "results", "keywords", "competent_authority", "implementing_agency",
    "delegated_agency", "coordinating_agency", "decision_number", "issuing_agency", "source_url",
)  # fmt: skip


def _load(ids: list[int]) -> list[Procedure]:
    rows = Procedure.objects.filter(id__in=ids).select_related("field").defer(*LIST_DEFER)
    by_id = {p.id: p for p in rows}
    return [by_id[i] for i in ids if i in by_id]


def search(
    q: str | None = "",
    *,
    field: str | int | None = None,
    level: str | None = None,
    agency: str | None = None,
    online: str | None = None,
    page: int | str | None = 1,
    per_page: int | str | None = 20,
    include_inactive: bool = False,
    life_event: str | None = None,
) -> SearchResult:
    """Search procedures; an empty query lists them (filtered) in alphabetical order."""
    page, per_page = _page_numbers(page, per_page)
    base = filtered(
        field=field, level=level, agency=agency, online=online,
        include_inactive=include_inactive, life_event=life_event,
    )  # fmt: skip
    text = unicodedata.normalize("NFC", q or "")[:MAX_QUERY_CHARS]
    offset = (page - 1) * per_page

    stripped = text.strip()
    if codes.looks_like_code(stripped):
        qs = base.filter(code__startswith=codes.normalize(stripped)).order_by("code")
        total = qs.count()
        if total:
            ids = list(qs.values_list("id", flat=True)[offset : offset + per_page])
            return SearchResult(text, _load(ids), total, page, per_page, "code")

    vocab = _vocabulary()
    query = parse_query(text, vocab, include_inactive=include_inactive)
    if not query.terms:
        if stripped and not search_tokens(stripped):
            # Only punctuation or emoji: nothing to look for, say so with an empty result.
            return SearchResult(text, [], 0, page, per_page, "text", ignored_words=[stripped])
        if query.dropped:
            ids = _trigram_candidates(base, " ".join(query.dropped), vocab)
            return _ranked_result(text, base, ids, [], query, vocab, page, per_page, "fuzzy")
        qs = base.order_by("search_name", "code")
        total = qs.count()
        ids = list(qs.values_list("id", flat=True)[offset : offset + per_page])
        return SearchResult(text, _load(ids), total, page, per_page, "browse")

    hard = [t for t in query.terms if not t.soft] or query.terms
    groups = [t.alternatives for t in hard]
    prefixes = [t.prefix for t in hard]
    size = max(vocab.size, 1)
    rare = [
        i
        for i, t in enumerate(hard)
        if t.prefix or max(vocab.df.get(a, 0) for a in t.alternatives) / size <= COMMON_SHARE
    ]
    pick = rare or list(range(len(groups)))
    unfiltered = not (field or level or agency or online or include_inactive or life_event)
    if unfiltered:
        # The names' inverted index in memory holds exactly what the FTS "name" column holds for
        # active procedures; it saves fetching hundreds of ids for common words.
        named: set[int] = set()
        for i in pick:
            named |= _named(vocab, hard[i])
    else:
        name_q = _match([groups[i] for i in pick], [prefixes[i] for i in pick], "name")
        named = set(base.filter(name_q).values_list("id", flat=True))
    if rare and unfiltered:
        all_ids = _match_ids(groups, prefixes, "all") & vocab.rows.keys()
    elif rare:
        all_ids = set(base.filter(_match(groups, prefixes, "all")).values_list("id", flat=True))
    else:
        # Only common words ("khai tử", "cấp giấy"): matches in the body add noise, not answers;
        # the names that have every word stand for "all words".
        all_ids = set(named)
        for term in hard:
            all_ids &= _named(vocab, term)
    ids = all_ids | named
    if not ids:
        ids = _trigram_candidates(base, " ".join(t.word for t in query.terms), vocab)
        return _ranked_result(text, base, ids, [], query, vocab, page, per_page, "fuzzy")
    return _ranked_result(text, base, ids, all_ids, query, vocab, page, per_page, "text")


SHORTLIST = 60


def _ranked_result(
    text: str,
    base: QuerySet,
    ids: Iterable[int],
    all_ids: Iterable[int],
    query: ParsedQuery,
    vocab: _Vocabulary,
    page: int,
    per_page: int,
    mode: str,
) -> SearchResult:
    """Rank candidates: a quick pass on word coverage, then the full score for the best ones."""
    ids = list(dict.fromkeys(ids))
    all_ids = set(all_ids)
    rows = vocab.rows
    missing = [pk for pk in ids if pk not in rows]
    if missing:  # inactive procedures (include_inactive) are not in the vocabulary
        rows = dict(rows)
        for pk, code, name, text in base.filter(id__in=missing).values_list(*_ROW):
            rows[pk] = (code, name, text.split(), frozenset(text.split()))
    ids = [pk for pk in ids if pk in rows]
    offset = (page - 1) * per_page
    if mode == "fuzzy" and not query.terms:
        grams = trigrams(" ".join(query.dropped))
        ranked = [(100.0 * _jaccard(grams, vocab.grams.get(pk) or trigrams(" ".join(rows[pk][2]))), pk)
                  for pk in ids]  # fmt: skip
        ranked.sort(key=lambda x: (-x[0], len(rows[x[1]][2]), rows[x[1]][0]))
    else:
        weights = _weights(query, vocab)
        prefix_words = [
            vocab.with_prefix(t.alternatives[0]) if t.prefix and len(t.word) > 1 else set()
            for t in query.terms
        ]
        total = sum(weights) or 1.0
        # Quick pass with the inverted index of names: weight of the query words each name has.
        matched: dict[int, float] = dict.fromkeys(ids, 0.0)
        for term, weight, prefixed in zip(query.terms, weights, prefix_words, strict=True):
            having = vocab.ids_with(term.alternatives) | vocab.ids_with(prefixed)
            for pk in having.intersection(matched) if len(having) > len(matched) else having:
                if pk in matched:
                    matched[pk] += weight
        for pk in missing:
            words = rows[pk][3]
            matched[pk] = sum(w for t, w, p in zip(query.terms, weights, prefix_words, strict=True)
                              if _hit(t, words, p) is not None)  # fmt: skip
        order = [
            (
                -(100.0 * m / total + (25.0 if pk in all_ids else 0.0)),
                len(rows[pk][2]),
                rows[pk][0],
                pk,
            )
            for pk, m in matched.items()
        ]
        order.sort()
        quick = [(-o[0], o[3]) for o in order]
        keep = max(SHORTLIST, offset + per_page)
        head = []
        for _, pk in quick[:keep]:
            c = _Candidate(pk, rows[pk][0], rows[pk][1], rows[pk][2], pk in all_ids)
            c.score = _score(c, query, weights, prefix_words)
            head.append(c)
        head.sort(key=lambda c: (-round(c.score, 6), len(c.words), c.code))
        ranked = [(c.score, c.id) for c in head] + quick[keep:]
    if mode == "fuzzy" and query.terms:
        ranked = [r for r in ranked if r[0] > 0] or ranked
    chosen = [
        _Candidate(pk, rows[pk][0], rows[pk][1], rows[pk][2], score=sc)
        for sc, pk in ranked[offset : offset + per_page]
    ]
    return SearchResult(
        text,
        _load([c.id for c in chosen]),
        len(ranked),
        page,
        per_page,
        mode,
        corrections=query.corrections,
        ignored_words=query.dropped,
        scores={c.id: round(c.score, 3) for c in chosen},
    )


_ROW = ("id", "code", "name", "search_name")


def suggest(q: str | None, *, limit: int = 8) -> list[Procedure]:
    """Suggestions while typing: the first results of :func:`search`, nothing for < 2 letters."""
    text = unicodedata.normalize("NFC", q or "")
    if len(fold(text)) < 2:
        return []
    return search(text, per_page=max(1, min(limit, 20))).items
