"""Framework-free building blocks: time conversion, the clock, signals and domain errors.

Nothing in here imports Flask or any other ``ink`` module.
"""
