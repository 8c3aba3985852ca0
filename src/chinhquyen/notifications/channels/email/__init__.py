"""E-mail through Django's mail framework (SMTP in production, console under DEBUG)."""
