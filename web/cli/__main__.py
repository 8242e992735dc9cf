"""`python -m web.cli ...` runs the command line like `praktijkwijzer ...`."""
import sys

from web.cli import main

sys.exit(main())
