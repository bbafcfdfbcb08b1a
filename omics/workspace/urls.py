"""Where a series lives at NCBI, and the commands that download it.

GEO keeps a series' files under ``geo/series/<stem>nnn/<accession>/``, where the stem is the
accession without its last three digits (``GSE1nnn`` for GSE1234, ``GSEnnn`` below 1000).
"""

from __future__ import annotations

GEO_RECORD = "https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc="
GEO_FILES = "https://ftp.ncbi.nlm.nih.gov/geo/series/"
PUBMED = "https://pubmed.ncbi.nlm.nih.gov/"
BIOPROJECT = "https://www.ncbi.nlm.nih.gov/bioproject/"


def geo_series_url(accession: str) -> str:
    return GEO_RECORD + accession


def geo_files_url(accession: str) -> str:
    """The series' folder on NCBI's file server (matrix, SOFT and supplementary files)."""
    digits = accession[3:]
    stem = accession[:3] + (digits[:-3] if len(digits) > 3 else "") + "nnn"
    return f"{GEO_FILES}{stem}/{accession}/"


def download_commands(accession: str, sequencing: bool) -> list[dict[str, str]]:
    """Ready-to-copy commands, each with what it fetches (SRA tools only for sequencing data)."""
    commands = [
        {
            "tool": "GEOparse (Python)",
            "what": "the series' SOFT file, parsed into samples and platforms",
            "command": f"python -c \"import GEOparse; GEOparse.get_GEO(geo='{accession}', destdir='.')\"",
        },
        {
            "tool": "geofetch",
            "what": "sample metadata as a PEP (add --processed for the processed files)",
            "command": f"geofetch -i {accession} --just-metadata",
        },
        {
            "tool": "wget",
            "what": "every supplementary file of the series",
            "command": f"wget -r -np -nd -R 'index.html*' {geo_files_url(accession)}suppl/",
        },
    ]
    if sequencing:
        commands.append(
            {
                "tool": "pysradb",
                "what": "the SRA study behind the series (then: pysradb metadata SRP... --detailed)",
                "command": f"pysradb gse-to-srp {accession}",
            }
        )
    return commands
