"""Tests of the catalog: loading and validating the files in dashboards/ and alerts/."""
