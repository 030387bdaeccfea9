"""Member organisations, their editors (memberships), topics and access checks."""
