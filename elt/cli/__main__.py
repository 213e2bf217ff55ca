"""`python -m elt.cli`: the `elt` command."""

from elt.cli import main

main()
