"""Use cases: each runs inside one unit of work, calls the domain, saves, and queues messages."""
