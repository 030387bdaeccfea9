"""WSGI entry point: `gunicorn wsgi:app`."""
from ink import create_app

app = create_app()
