"""Venues, event series with their recurrence, and occurrences."""
