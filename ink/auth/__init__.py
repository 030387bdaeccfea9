"""Accounts, password hashing, login and roles."""
