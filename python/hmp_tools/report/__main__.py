"""python3 -m hmp_tools.report: the hmp-report command."""
import sys

from .cli import main

sys.exit(main())
