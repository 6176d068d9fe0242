"""Standard-library helpers on the host that several parts need: private files, a free port.

The bottom of the graph: every part may import it (Store and Client for their SQLite files,
Server to probe its port, Desktop for secrets and the local server, Wiring for the caches),
and it imports nothing of the project, so it can never close a cycle.
"""
