"""The demo: generated sample files for the seller's daily job, run end to end on a local warehouse."""
