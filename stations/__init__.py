"""The domain core of Gallery Walk: pure Python, no web framework, no database.

`gallery` (the web app) imports from here; nothing here imports `gallery`, Flask, peewee
or Socket.IO, so the rules stay testable in milliseconds and reusable from the CLI.
"""
