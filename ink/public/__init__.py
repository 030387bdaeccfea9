"""The residents' site: programme, event pages, organisation directory (read-only)."""
