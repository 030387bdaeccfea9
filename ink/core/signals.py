"""Signals by which lower domains tell higher ones what happened (blinker).

Each sender is the object concerned; keyword arguments are documented per signal.
"""
from __future__ import annotations

from blinker import Namespace

ink_signals = Namespace()

#: An occurrence was cancelled. sender: Occurrence; kwargs: now
occurrence_cancelled = ink_signals.signal("occurrence-cancelled")
#: A cancelled occurrence was restored. sender: Occurrence; kwargs: now
occurrence_restored = ink_signals.signal("occurrence-restored")
#: An occurrence's time or venue changed. sender: Occurrence; kwargs: now, previous_start_at, previous_end_at
occurrence_moved = ink_signals.signal("occurrence-moved")
#: Future occurrences are about to be deleted because the series' rule no longer produces them.
#: sender: EventSeries; kwargs: occurrences (list), now. Listeners may copy what they need.
occurrences_removing = ink_signals.signal("occurrences-removing")
#: A series was created or its content changed. sender: EventSeries; kwargs: now
series_changed = ink_signals.signal("series-changed")
#: An organisation was approved, archived or set back to pending: its events' visibility changed.
#: sender: Organisation; kwargs: now
organisation_status_changed = ink_signals.signal("organisation-status-changed")
#: A version of a subject's texts in another language was added, changed or removed (issue 12).
#: sender: the subject (EventSeries, Organisation or Venue); kwargs: now
texts_changed = ink_signals.signal("texts-changed")
