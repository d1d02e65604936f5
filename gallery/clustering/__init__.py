"""Keeping each station's topic clusters current: what the engine reads and leaves
(store.py), the two jobs (jobs.py), when they run (scheduler.py) and where (worker.py)."""
