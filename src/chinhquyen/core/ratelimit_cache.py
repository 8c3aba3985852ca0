"""A cache backend for the counters of rate limits, shared by the worker processes of one server.

django-ratelimit keeps its counters in a Django cache, which must be shared by every worker
process (``LocMemCache`` is per process, so with 4 workers an address would get 4 times the rate)
and should increment atomically. Memcached or Redis do that, but the platform runs without them.
Django's ``FileBasedCache`` is shared but does not increment atomically, and each write creates a
temporary file and renames it, a file-system metadata operation that costs about a millisecond
per request on an ordinary disk.

This backend keeps each counter in a 16-byte file (expiry time as a float64, value as an int64)
and changes it in place under an exclusive ``flock``: atomic across processes, a handful of
system calls per increment. Only integers are stored (what rate limits need); other values raise
``TypeError``. Expired files are removed now and then when a counter is created.

Configured as the ``ratelimit`` cache (``RATELIMIT_USE_CACHE``); see docs/configuration.md.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import random
import struct
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

_RECORD = struct.Struct("<dq")
_SUFFIX = ".cnt"
# One creation in this many sweeps the folder for expired counters.
_SWEEP_EVERY = 200
# Paths of recently used keys, shared by the backend instances of the process (Django makes one
# per thread, and under ASGI every request runs in a new thread); cleared when full, as keys
# change with each rate window.
_PATHS_KEPT = 1024
_paths: dict[tuple, str] = {}


class CounterFileCache(BaseCache):
    """Integer counters in small files, updated in place under a lock (see the module)."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self._dir = os.path.abspath(location)

    # --- files -------------------------------------------------------------------------------

    def _path(self, key: str, version: int | None) -> str:
        # A counter is usually added and incremented in the same request (django-ratelimit):
        # remember the last paths rather than validate, hash and join the key twice.
        # The full key depends on the instance's prefix, version and key function.
        remembered = (self._dir, self.key_prefix, self.version, self.key_func, key, version)
        path = _paths.get(remembered)
        if path is None:
            full = self.make_and_validate_key(key, version=version)
            name = hashlib.sha256(full.encode()).hexdigest()[:40]
            path = os.path.join(self._dir, name + _SUFFIX)
            if len(_paths) >= _PATHS_KEPT:
                _paths.clear()
            _paths[remembered] = path
        return path

    def _open(self, path: str, *, create: bool) -> int | None:
        flags = os.O_RDWR | (os.O_CREAT if create else 0)
        try:
            return os.open(path, flags, 0o600)
        except FileNotFoundError:
            if not create:
                return None
            os.makedirs(self._dir, 0o700, exist_ok=True)
            return os.open(path, flags, 0o600)

    @staticmethod
    def _read(fd: int) -> tuple[float, int] | None:
        """The live record of an open file, or ``None`` (empty or expired)."""
        data = os.pread(fd, _RECORD.size, 0)
        if len(data) < _RECORD.size:
            return None
        expiry, value = _RECORD.unpack(data)
        if expiry and expiry <= time.time():
            return None
        return expiry, value

    @staticmethod
    def _write(fd: int, expiry: float, value: int) -> None:
        os.pwrite(fd, _RECORD.pack(expiry, value), 0)

    def _expiry(self, timeout: Any) -> float:
        moment = self.get_backend_timeout(timeout)
        return 0.0 if moment is None else moment  # 0: never expires

    @staticmethod
    def _integer(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("CounterFileCache stores integers only.")
        return value

    def _sweep(self) -> None:
        now = time.time()
        try:
            names = [n for n in os.listdir(self._dir) if n.endswith(_SUFFIX)]
        except FileNotFoundError:
            return
        for name in names:
            path = os.path.join(self._dir, name)
            fd = self._open(path, create=False)
            if fd is None:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                expiry, _ = _RECORD.unpack(os.pread(fd, _RECORD.size, 0).ljust(_RECORD.size, b"\0"))
                if expiry and expiry <= now:
                    os.unlink(path)
            except (BlockingIOError, FileNotFoundError):
                pass
            finally:
                os.close(fd)

    # --- the cache API -----------------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        value = self._integer(value)
        fd = self._open(self._path(key, version), create=True)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if self._read(fd) is not None:
                return False
            self._write(fd, self._expiry(timeout), value)
        finally:
            os.close(fd)
        if random.randrange(_SWEEP_EVERY) == 0:  # noqa: S311 - not security
            self._sweep()
        return True

    def get(self, key, default=None, version=None):
        fd = self._open(self._path(key, version), create=False)
        if fd is None:
            return default
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            record = self._read(fd)
        finally:
            os.close(fd)
        return default if record is None else record[1]

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        value = self._integer(value)
        fd = self._open(self._path(key, version), create=True)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._write(fd, self._expiry(timeout), value)
        finally:
            os.close(fd)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        fd = self._open(self._path(key, version), create=False)
        if fd is None:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            record = self._read(fd)
            if record is None:
                return False
            self._write(fd, self._expiry(timeout), record[1])
            return True
        finally:
            os.close(fd)

    def incr(self, key, delta=1, version=None) -> int:
        delta = self._integer(delta)
        fd = self._open(self._path(key, version), create=False)
        if fd is None:
            raise ValueError(f"Key '{key}' not found")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            record = self._read(fd)
            if record is None:
                raise ValueError(f"Key '{key}' not found")
            value = record[1] + delta
            self._write(fd, record[0], value)
            return value
        finally:
            os.close(fd)

    def delete(self, key, version=None) -> bool:
        try:
            os.unlink(self._path(key, version))
        except FileNotFoundError:
            return False
        return True

    def has_key(self, key, version=None) -> bool:
        return self.get(key, version=version) is not None

    def clear(self) -> None:
        try:
            names = os.listdir(self._dir)
        except FileNotFoundError:
            return
        for name in names:
            if name.endswith(_SUFFIX):
                try:
                    os.unlink(os.path.join(self._dir, name))
                except FileNotFoundError:
                    pass
