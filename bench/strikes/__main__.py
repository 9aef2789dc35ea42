import sys

from bench.strikes.runner import main

sys.exit(main())
