"""WSGI entry point for gunicorn (`gallery serve` runs it): settings come from GALLERY_*."""

from . import create_app

app = create_app()
