"""Local imitations of the APIs the loaders read (Linnworks, What Drops Now, the bad API) and the demo's sample
files: for tests, the demo and drills. Development only: never installed in the production image."""
