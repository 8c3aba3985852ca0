"""Handlers for outbox events, registered by the apps that react to them.

A handler is a function ``handler(event, delivery)``; it must be idempotent (use
``delivery.idempotency_key`` with outside services) and raise to ask for a retry. It runs in a
savepoint, so whatever it wrote is rolled back when it raises. Raising :class:`GiveUp` (or a
subclass) says that trying again will not help: the delivery stops at once.

A handler that keeps a failure record of its own (a notification marked "failed", say) does not
write it in the failing attempt, where the rollback would undo it. It registers callbacks::

    @register("notifications.send", on_give_up=mark_failed, on_retry=reopen)
    def send_notification(event, delivery): ...

``on_give_up(event, delivery, exc)`` runs when the outbox stops trying (the last attempt failed,
or the handler raised :class:`GiveUp`): after the handler's rollback, in a savepoint of its own
within the delivery's transaction, so the failure record and the delivery's ``dead`` status are
committed together. If the callback fails, the delivery stays ``dead`` and the callback's error
is logged and noted on the delivery.

``on_retry(event, delivery)`` runs when an operator asks for another go
(:func:`chinhquyen.events.services.retry`, admin "Thử gửi lại ngay", ``chinhquyen outbox
retry``), in the same transaction, so the handler can reopen what ``on_give_up`` closed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[[Any, Any], None]
GiveUpCallback = Callable[[Any, Any, BaseException], None]
RetryCallback = Callable[[Any, Any], None]


class GiveUp(Exception):  # noqa: N818 - it names what the handler asks for
    """Raised by a handler when trying again will not help: no more attempts."""


@dataclass(frozen=True)
class Callbacks:
    """What a handler asked to be told besides its events."""

    on_give_up: GiveUpCallback | None = None
    on_retry: RetryCallback | None = None


_handlers: dict[str, dict[str, Handler]] = defaultdict(dict)
_callbacks: dict[str, Callbacks] = {}


def handler_name(fn: Handler) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def register(
    event_type: str,
    *,
    on_give_up: GiveUpCallback | None = None,
    on_retry: RetryCallback | None = None,
) -> Callable[[Handler], Handler]:
    """Register the decorated function as a handler of ``event_type`` (see the module text)."""

    def decorator(fn: Handler) -> Handler:
        name = handler_name(fn)
        _handlers[event_type][name] = fn
        if on_give_up is not None or on_retry is not None:
            _callbacks[name] = Callbacks(on_give_up=on_give_up, on_retry=on_retry)
        return fn

    return decorator


def handlers_for(event_type: str) -> dict[str, Handler]:
    return dict(_handlers.get(event_type, {}))


def get(name: str) -> Handler | None:
    for handlers in _handlers.values():
        if name in handlers:
            return handlers[name]
    return None


def callbacks(name: str) -> Callbacks:
    """The give-up and retry callbacks of the handler registered under ``name`` (maybe none)."""
    return _callbacks.get(name, Callbacks())


def unregister(event_type: str, fn: Handler) -> None:
    name = handler_name(fn)
    _handlers[event_type].pop(name, None)
    if not any(name in handlers for handlers in _handlers.values()):
        _callbacks.pop(name, None)
