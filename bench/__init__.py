"""Benchmarks: `python -m bench` (see README, "Benchmarks"). They print figures; tests never time things."""
