"""ASGI entry point, for deployments that prefer it; the default is WSGI."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunlight.settings")
application = get_asgi_application()
