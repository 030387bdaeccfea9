"""Many volunteers tap one occurrence at once through the HTTP endpoint: no tap may be lost.

Runs on SQLite, and on PostgreSQL when INK_TEST_DATABASE_URL points there.
"""
from __future__ import annotations

import threading
import uuid

import pytest

from ink.attendance.service import create_door_link, door_link_token
from ink.extensions import db

THREADS = 8
TAPS_PER_THREAD = 25

pytestmark = [pytest.mark.slow, pytest.mark.committing]  # threads: connections of their own


def _run(app, path, plan):  # type: ignore[no-untyped-def]
    """Each thread has its own test client and app context; plan(i) gives the taps for thread i."""
    barrier = threading.Barrier(THREADS)
    failures: list[str] = []

    def worker(i: int) -> None:
        client = app.test_client()
        with app.app_context():
            barrier.wait()
            for body in plan(i):
                response = client.post(f"{path}/tap", json=body)
                if response.status_code != 200:
                    failures.append(f"{response.status_code} {response.get_data(as_text=True)[:200]}")
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures[:3]


@pytest.fixture
def path(network, clock):  # type: ignore[no-untyped-def]
    link = create_door_link(network.today(), user=network.editor, now=clock.now())
    db.session.commit()
    return f"/door/{door_link_token(link)}"


def test_concurrent_taps_are_all_counted(app, client, path):  # type: ignore[no-untyped-def]
    _run(app, path, lambda i: [{"delta": 1, "tap_id": str(uuid.uuid4())} for _ in range(TAPS_PER_THREAD)])
    assert client.get(f"{path}/state").get_json()["total"] == THREADS * TAPS_PER_THREAD


def test_concurrent_retries_count_once(app, client, path):  # type: ignore[no-untyped-def]
    # Every thread sends the same tap ids: each id must count exactly once.
    ids = [str(uuid.uuid4()) for _ in range(TAPS_PER_THREAD)]
    _run(app, path, lambda i: [{"delta": 1, "tap_id": tap_id} for tap_id in ids])
    assert client.get(f"{path}/state").get_json()["total"] == TAPS_PER_THREAD


def test_concurrent_decrements_stop_at_zero(app, client, path):  # type: ignore[no-untyped-def]
    for _ in range(10):
        client.post(f"{path}/tap", json={"delta": 1, "tap_id": str(uuid.uuid4())})
    # 8 threads x 25 taps: mostly -1, some +1; the count may never dip below zero.
    def plan(i: int) -> list[dict[str, object]]:
        return [{"delta": 1 if n % 5 == 0 else -1, "tap_id": str(uuid.uuid4())} for n in range(TAPS_PER_THREAD)]
    _run(app, path, plan)
    state = client.get(f"{path}/state").get_json()
    assert state["total"] >= 0
    from ink.attendance.models import DoorTap
    import sqlalchemy as sa

    applied = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(DoorTap.delta), 0)).where(DoorTap.is_applied))
    assert state["total"] == applied  # the count equals the sum of the taps that were applied
