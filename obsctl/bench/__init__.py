"""``make bench``: ``obsctl plan`` against its floor per stack and on generated definition sets,
its peak memory, and the drill's time. See ``obsctl/bench/__main__.py`` and ``obsctl/bench/floor.py``."""
