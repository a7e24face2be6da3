"""Allow `python -m gwc`."""

from gwc.cli import main

main()
