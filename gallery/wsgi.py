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

# Everything loaded so far (Flask, the translations, numpy, the clustering engine: ~150,000
# objects) lives as long as the process. Kept out of the cyclic garbage collector, a full
# collection no longer walks them all while every phone waits: measured at 300 phones, the
# longest pause went from 136 ms to 34 ms (bench/README.md, Latency).
gc.freeze()

# What stays is the phones' connections (~150 objects each): a full collection walked them for
# 20-45 ms on the loop, every 2-10 s while a room posted (it follows every 10th collection of
# the middle generation). One in 100 keeps cyclic garbage a little longer and the loop free.
youngest, middle, _ = gc.get_threshold()
gc.set_threshold(youngest, middle, 100)
