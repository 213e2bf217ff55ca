"""Airbyte's `source-linnworks` connector run against the Linnworks sandbox (marker `airbyte`)."""
