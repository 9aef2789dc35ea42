import sys

from bench.billing.runner import main

sys.exit(main())
