"""The counter cache of the rate limits: shared by processes, atomic, integers only, expiring."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from chinhquyen.core.ratelimit_cache import CounterFileCache


def make(path) -> CounterFileCache:
    return CounterFileCache(str(path), {})


def test_add_get_incr_touch_delete_clear(tmp_path):
    cache = make(tmp_path / "counters")
    assert cache.get("a") is None and cache.get("a", 7) == 7
    with pytest.raises(ValueError):
        cache.incr("a")
    assert cache.add("a", 1, 60) is True
    assert cache.add("a", 5, 60) is False  # add never overwrites a live counter
    assert cache.incr("a") == 2 and cache.incr("a", 3) == 5 and cache.decr("a") == 4
    assert cache.get("a") == 4 and cache.has_key("a")
    cache.set("b", 10, None)  # never expires
    assert cache.get("b") == 10
    assert cache.touch("a", 120) and not cache.touch("missing")
    assert cache.delete("a") and not cache.delete("a") and cache.get("a") is None
    cache.clear()
    assert cache.get("b") is None
    with pytest.raises(TypeError):
        cache.set("c", "text")
    with pytest.raises(TypeError):
        cache.add("c", 1.5)


def test_counters_expire(tmp_path):
    cache = make(tmp_path)
    cache.add("a", 1, 1)
    cache.set("gone", 3, 0)  # timeout 0: expired at once
    assert cache.get("gone") is None
    time.sleep(1.1)  # the expiry is a wall-clock time: no way around waiting for it
    assert cache.get("a") is None
    with pytest.raises(ValueError):
        cache.incr("a")
    assert cache.add("a", 1, 60) is True  # a new window starts from 1


def _hammer(location: str, times: int) -> None:
    cache = CounterFileCache(location, {})
    for _ in range(times):
        cache.incr("shared")


def test_increments_from_several_processes_are_all_counted(tmp_path):
    cache = make(tmp_path)
    cache.add("shared", 0, 600)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_hammer, args=(str(tmp_path), 300)) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    assert cache.get("shared") == 900


def test_instances_share_counters_and_key_paths_only_under_the_same_key_settings(tmp_path):
    # Django makes one cache object per thread: they must see one counter per key...
    first, second = make(tmp_path), make(tmp_path)
    assert first.add("ip:1", 1, 60) and second.add("ip:1", 1, 60) is False
    assert second.incr("ip:1") == 2 and first.get("ip:1") == 2
    # ...and a different prefix or version is a different counter, even with the same key.
    other = CounterFileCache(str(tmp_path), {"KEY_PREFIX": "other"})
    assert other.add("ip:1", 1, 60) is True and other.get("ip:1") == 1
    assert first.add("ip:1", 1, 60, version=2) is True and first.get("ip:1") == 2
