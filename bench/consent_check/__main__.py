import sys

from bench.consent_check.runner import main

sys.exit(main())
