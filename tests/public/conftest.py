from __future__ import annotations

import pytest
from flask_babel import refresh


@pytest.fixture(autouse=True)
def fresh_locale_per_request(client):  # type: ignore[no-untyped-def]
    """Flask-Babel caches the locale on ``g``. The test app context (and so ``g``) outlives each
    request here, unlike in production where every request has its own: forget it per request."""
    original = client.open

    def open_fresh(*args, **kwargs):  # type: ignore[no-untyped-def]
        refresh()
        return original(*args, **kwargs)

    client.open = open_fresh
