"""``python -m saras`` runs the ``saras`` command line."""

from saras.cli import main

main()
