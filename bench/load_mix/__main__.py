"""Load test of a realistic mix; run from the project root: `.venv/bin/python -m bench.load_mix --help`."""

import sys

from bench.load_mix.runner import main

sys.exit(main())
