"""One module per breaking change; each exports ``CHANGE`` (a :class:`VersionChange`)."""
