"""``python -m dpgf_assets.cli``: the ``dpgf`` command."""

import sys

from dpgf_assets.cli import main

sys.exit(main())
