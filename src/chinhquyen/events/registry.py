"""Handlers for outbox events, registered by the apps that react to them.

A handler is a function ``handler(event, delivery)``; it must be idempotent (use
``delivery.idempotency_key`` with outside services) and raise to ask for a retry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Handler = Callable[[Any, Any], None]
_handlers: dict[str, dict[str, Handler]] = defaultdict(dict)


def handler_name(fn: Handler) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def register(event_type: str) -> Callable[[Handler], Handler]:
    def decorator(fn: Handler) -> Handler:
        _handlers[event_type][handler_name(fn)] = fn
        return fn

    return decorator


def handlers_for(event_type: str) -> dict[str, Handler]:
    return dict(_handlers.get(event_type, {}))


def get(name: str) -> Handler | None:
    for handlers in _handlers.values():
        if name in handlers:
            return handlers[name]
    return None


def unregister(event_type: str, fn: Handler) -> None:
    _handlers[event_type].pop(handler_name(fn), None)
