"""Console channel for development machines: logs the text, sends nothing."""

from __future__ import annotations

import logging
import uuid

from chinhquyen.notifications.channels import Message
from chinhquyen.notifications.models import mask_destination

log = logging.getLogger("chinhquyen.notifications.console")


class ConsoleTransport:
    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, message: Message) -> str:
        # Only chosen under DEBUG (or by explicit configuration): the text may hold a code.
        log.warning(
            "(development only) %s to %s: %s",
            self.name,
            mask_destination(message.to),
            message.body or message.data,
        )
        return f"console-{uuid.uuid4().hex[:12]}"
