"""Organisms as NCBI Taxonomy ids and platforms with their GEO titles, where known.

GEO names an organism by its scientific name, which changes (``human gammaherpesvirus 4`` was
``Epstein-Barr virus``) and is spelled differently between records; the taxon id does not, so
clients that join GEO with other resources need it. A record's own ids (``taxon_ids``, in the
order of ``organisms``, as ingestion from E-utilities and SOFT files brings them) win; else
the table below answers for the organisms of the shipped corpus and common model organisms;
else the id is ``None``. Platform titles come the same way from a record's ``platform_titles``
(a ``{GPL: title}`` mapping) or the table of the most used platforms.

Taxon ids were checked against the NCBITaxon ontology release packaged in
``cellxgene-ontology-guide`` (2026-05-13) for cellular organisms; viruses and ``synthetic
construct``, which that release leaves out, are from NCBI Taxonomy directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

TAXON_IDS: Mapping[str, int] = {
    "Homo sapiens": 9606,
    "Mus musculus": 10090,
    "Mus musculus musculus": 39442,
    "Rattus norvegicus": 10116,
    "Rattus rattus": 10117,
    "Mesocricetus auratus": 10036,
    "Nannospalax galili": 1026970,
    "Sus scrofa": 9823,
    "Bos taurus": 9913,
    "Ovis aries": 9940,
    "Equus caballus": 9796,
    "Canis lupus familiaris": 9615,
    "Macaca mulatta": 9544,
    "Macaca fascicularis": 9541,
    "Pan troglodytes": 9598,
    "Callithrix jacchus": 9483,
    "Microcebus murinus": 30608,
    "Tupaia belangeri": 37347,
    "Gallus gallus": 9031,
    "Danio rerio": 7955,
    "Drosophila melanogaster": 7227,
    "Caenorhabditis elegans": 6239,
    "Arabidopsis thaliana": 3702,
    "Saccharomyces cerevisiae": 4932,
    "Escherichia coli": 562,
    "Caulobacter vibrioides": 155892,
    "synthetic construct": 32630,
    "Human immunodeficiency virus 1": 11676,
    "Human alphaherpesvirus 1": 10298,
    "Human betaherpesvirus 5": 10359,
    "Human gammaherpesvirus 4": 10376,
    "Human gammaherpesvirus 8": 37296,
    "Murid betaherpesvirus 1": 10366,
    "Murid gammaherpesvirus 4": 33708,
    "JC polyomavirus": 10632,
    "Betapolyomavirus hominis": 1891762,
    "Betapolyomavirus macacae": 1891767,
}
_TAXON_BY_FOLDED = {name.casefold(): taxon for name, taxon in TAXON_IDS.items()}

PLATFORM_TITLES: Mapping[str, str] = {
    "GPL570": "[HG-U133_Plus_2] Affymetrix Human Genome U133 Plus 2.0 Array",
    "GPL96": "[HG-U133A] Affymetrix Human Genome U133A Array",
    "GPL1261": "[Mouse430_2] Affymetrix Mouse Genome 430 2.0 Array",
    "GPL6244": "[HuGene-1_0-st] Affymetrix Human Gene 1.0 ST Array [transcript (gene) version]",
    "GPL11154": "Illumina HiSeq 2000 (Homo sapiens)",
    "GPL16791": "Illumina HiSeq 2500 (Homo sapiens)",
    "GPL18573": "Illumina NextSeq 500 (Homo sapiens)",
    "GPL20301": "Illumina HiSeq 4000 (Homo sapiens)",
    "GPL24676": "Illumina NovaSeq 6000 (Homo sapiens)",
    "GPL13112": "Illumina HiSeq 2000 (Mus musculus)",
    "GPL17021": "Illumina HiSeq 2500 (Mus musculus)",
    "GPL24247": "Illumina NovaSeq 6000 (Mus musculus)",
}


def organism_objects(names: Iterable[str], record_taxa: Any = None) -> list[dict[str, Any]]:
    """``[{"name", "taxon_id"}]`` for ``names``; ``record_taxa`` is the record's own id list."""
    names = list(names)
    own = list(record_taxa) if isinstance(record_taxa, list) and len(record_taxa) == len(names) else []
    objects = []
    for index, name in enumerate(names):
        taxon = _as_taxon(own[index]) if own else None
        objects.append({"name": name, "taxon_id": taxon or _TAXON_BY_FOLDED.get(name.casefold())})
    return objects


def platform_objects(accessions: Iterable[str], record_titles: Any = None) -> list[dict[str, Any]]:
    """``[{"accession", "title"}]`` for ``accessions``; ``record_titles`` is the record's mapping."""
    own = record_titles if isinstance(record_titles, dict) else {}
    return [
        {"accession": accession, "title": own.get(accession) or PLATFORM_TITLES.get(accession)}
        for accession in accessions
    ]


def _as_taxon(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
