"""Zalo Notification Service (ZNS): template messages to a phone number's Zalo account."""
