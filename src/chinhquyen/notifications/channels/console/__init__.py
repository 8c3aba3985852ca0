"""Development channel: writes the message to the log instead of sending it."""
