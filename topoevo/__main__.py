"""``python -m topoevo`` = the ``topoevo`` command."""
import sys

from topoevo.cli import main

sys.exit(main())
