"""Names of GEO platforms (GPL), so that people read "Illumina NovaSeq 6000", not "GPL24676".

A record's own ``platform_titles`` (brought in by ingestion from NCBI) wins; this table names
the platforms most used in the shipped corpus, with the titles GEO gives them.
"""

from __future__ import annotations

from collections.abc import Sequence

KNOWN_PLATFORMS: dict[str, str] = {
    "GPL96": "Affymetrix Human Genome U133A Array",
    "GPL570": "Affymetrix Human Genome U133 Plus 2.0 Array",
    "GPL571": "Affymetrix Human Genome U133A 2.0 Array",
    "GPL887": "Agilent-012097 Human 1A Microarray (V2) G4110B",
    "GPL1261": "Affymetrix Mouse Genome 430 2.0 Array",
    "GPL1355": "Affymetrix Rat Genome 230 2.0 Array",
    "GPL4133": "Agilent-014850 Whole Human Genome Microarray 4x44K G4112F (Feature Number version)",
    "GPL5175": "Affymetrix Human Exon 1.0 ST Array [transcript (gene) version]",
    "GPL5188": "Affymetrix Human Exon 1.0 ST Array [probe set (exon) version]",
    "GPL6244": "Affymetrix Human Gene 1.0 ST Array [transcript (gene) version]",
    "GPL6246": "Affymetrix Mouse Gene 1.0 ST Array [transcript (gene) version]",
    "GPL6480": "Agilent-014850 Whole Human Genome Microarray 4x44K G4112F (Probe Name version)",
    "GPL6884": "Illumina HumanWG-6 v3.0 expression beadchip",
    "GPL6947": "Illumina HumanHT-12 V3.0 expression beadchip",
    "GPL8300": "Affymetrix Human Genome U95 Version 2 Array",
    "GPL9052": "Illumina Genome Analyzer (Homo sapiens)",
    "GPL9115": "Illumina Genome Analyzer II (Homo sapiens)",
    "GPL10558": "Illumina HumanHT-12 V4.0 expression beadchip",
    "GPL10999": "Illumina Genome Analyzer IIx (Homo sapiens)",
    "GPL11154": "Illumina HiSeq 2000 (Homo sapiens)",
    "GPL11532": "Affymetrix Human Gene 1.1 ST Array [transcript (gene) version]",
    "GPL13112": "Illumina HiSeq 2000 (Mus musculus)",
    "GPL13497": "Agilent-026652 Whole Human Genome Microarray 4x44K v2 (Probe Name version)",
    "GPL13534": "Illumina HumanMethylation450 BeadChip",
    "GPL14550": "Agilent-028004 SurePrint G3 Human GE 8x60K Microarray (Probe Name Version)",
    "GPL15207": "Affymetrix Human Gene Expression Array (PrimeView)",
    "GPL15520": "Illumina MiSeq (Homo sapiens)",
    "GPL16686": "Affymetrix Human Gene 2.0 ST Array [transcript (gene) version]",
    "GPL16791": "Illumina HiSeq 2500 (Homo sapiens)",
    "GPL17021": "Illumina HiSeq 2500 (Mus musculus)",
    "GPL17077": "Agilent-039494 SurePrint G3 Human GE v2 8x60K Microarray (Probe Name version)",
    "GPL17303": "Ion Torrent Proton (Homo sapiens)",
    "GPL17586": "Affymetrix Human Transcriptome Array 2.0 [transcript (gene) version]",
    "GPL18460": "Illumina HiSeq 1500 (Homo sapiens)",
    "GPL18573": "Illumina NextSeq 500 (Homo sapiens)",
    "GPL19057": "Illumina NextSeq 500 (Mus musculus)",
    "GPL20301": "Illumina HiSeq 4000 (Homo sapiens)",
    "GPL20795": "HiSeq X Ten (Homo sapiens)",
    "GPL21103": "Illumina HiSeq 4000 (Mus musculus)",
    "GPL21145": "Infinium MethylationEPIC",
    "GPL21290": "Illumina HiSeq 3000 (Homo sapiens)",
    "GPL21697": "NextSeq 550 (Homo sapiens)",
    "GPL23126": "Affymetrix Clariom D Assay, Human",
    "GPL23159": "Affymetrix Clariom S Assay, Human",
    "GPL23227": "BGISEQ-500 (Homo sapiens)",
    "GPL24247": "Illumina NovaSeq 6000 (Mus musculus)",
    "GPL24676": "Illumina NovaSeq 6000 (Homo sapiens)",
}


def platform_names(platforms: Sequence[str], record_titles: Sequence[str] = ()) -> dict[str, str]:
    """A name for each platform that has one: the record's own titles (same order) first."""
    own = dict(zip(platforms, record_titles, strict=False)) if record_titles else {}
    names = {gpl: own.get(gpl) or KNOWN_PLATFORMS.get(gpl) for gpl in platforms}
    return {gpl: name for gpl, name in names.items() if name}
