"""Saved searches and the alerts an ingestion raises for them (framework-free)."""

from omics.alerts.book import AlertBook, SavedSearch, TooManySavedSearches, alert_view

__all__ = ["AlertBook", "SavedSearch", "TooManySavedSearches", "alert_view"]
