"""WSGI entry point for gunicorn (`gallery serve` runs it): settings come from GALLERY_*."""

import gc

from . import create_app

app = create_app()

# Everything loaded so far (Flask, the translations, numpy, the clustering engine: ~150,000
# objects) lives as long as the process. Kept out of the cyclic garbage collector, a full
# collection no longer walks them all while every phone waits: measured at 300 phones, the
# longest pause went from 136 ms to 34 ms (bench/README.md, Latency).
gc.freeze()
