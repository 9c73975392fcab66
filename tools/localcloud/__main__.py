# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Entry point for ``python -m localcloud``."""

import sys

from localcloud.cli import main

sys.exit(main())
