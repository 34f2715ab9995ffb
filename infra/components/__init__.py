"""One ComponentResource per concern. Components take settings and catalog data, never raw files."""
