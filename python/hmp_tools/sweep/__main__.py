"""python3 -m hmp_tools.sweep: the hmp-sweep command."""
import sys

from .cli import main

sys.exit(main())
