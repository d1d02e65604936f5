"""WSGI entry point for gunicorn (`gallery serve` runs it): settings come from GALLERY_*."""

import gc

import gevent

from . import create_app

# gevent records, for every greenlet it spawns, the stack that spawned it (ten frame objects)
# and a tree of greenlet locals: a debugging aid. Every Socket.IO event is handled in a greenlet
# of its own, so a room posting paid for it on each event, and the frames of greenlets still
# alive sat in the heap the garbage collector walks.
gevent.config.track_greenlet_tree = False

app = create_app()

# Everything loaded so far (Flask, the translations, numpy, the clustering engine) lives as
# long as the process. Kept out of the cyclic garbage collector, a full collection no longer
# walks it all while every phone waits.
gc.freeze()

# What stays is the phones' connections: a full collection walked them on the loop every few
# seconds while a room posted (it follows every 10th collection of the middle generation).
# One in 100 keeps cyclic garbage a little longer and the loop free.
youngest, middle, _ = gc.get_threshold()
gc.set_threshold(youngest, middle, 100)
