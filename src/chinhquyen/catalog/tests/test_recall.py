"""Search quality on real procedures: recall@5 over a fixed set of realistic queries."""

import json
import unicodedata
from pathlib import Path

import pytest

from chinhquyen.catalog import search

QUERIES = json.loads((Path(__file__).parent / "data" / "queries.json").read_text(encoding="utf-8"))[
    "queries"
]


def test_the_query_set_covers_what_people_type():
    assert len(QUERIES) >= 60
    assert sum(1 for q in QUERIES if q.get("nfd")) >= 3
    assert (
        sum(
            1
            for q in QUERIES
            if q["q"] == unicodedata.normalize("NFC", q["q"]) and q["q"].isascii()
        )
        >= 20
    )
    assert sum(1 for q in QUERIES if q["q"][0].isdigit()) >= 3


def recall(queries, k):
    hits, misses = 0, []
    for item in queries:
        q = unicodedata.normalize("NFD", item["q"]) if item.get("nfd") else item["q"]
        found = [p.code for p in search.search(q, per_page=k).items]
        if any(code in item["expect"] for code in found):
            hits += 1
        else:
            misses.append((item["q"], item["expect"], found))
    return hits / len(queries), misses


@pytest.mark.django_db
def test_recall_at_5_is_at_least_0_9(demo_catalog, capsys):
    at5, misses = recall(QUERIES, 5)
    at1, _ = recall(QUERIES, 1)
    with capsys.disabled():
        print(f"\ncatalog search: {len(QUERIES)} queries, recall@1={at1:.3f} recall@5={at5:.3f}")
    assert at5 >= 0.9, misses
