"""API versions as declared changes over one canonical (HEAD) schema set (the API-evolution issue)."""
