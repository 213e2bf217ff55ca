"""Local imitations of the APIs the loaders read (Linnworks, What Drops Now, the bad API) and the demo's sample
files: for tests, the demo and drills. Development only: never installed in the production image.

Each sandbox (linnworks/, wdn/, badapi/) holds only what is particular to its API (routes, data, what its
faults mean, admin routes) on a shared core: server.py (loopback HTTP server, life cycle, call log, replies),
cli.py (serving until Ctrl-C), faults.py (the fault spec) and ratelimit.py."""
