"""WSGI entry point (granian serves it: `granian --interface wsgi sunlight.wsgi:application`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunlight.settings")
application = get_wsgi_application()
