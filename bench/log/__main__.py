import sys

from bench.log.runner import main

sys.exit(main())
