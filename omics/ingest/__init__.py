"""Bringing new GEO series in from NCBI E-utilities (the ingestion issue)."""
