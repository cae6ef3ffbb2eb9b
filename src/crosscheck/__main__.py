"""`python -m crosscheck`: the same as the `crosscheck` command."""

from crosscheck.command import main

main()
