"""SMS through a brandname gateway's HTTP JSON API (see :mod:`.protocol`), and its sandbox."""
