import sys

from bench.pages.runner import main

sys.exit(main())
