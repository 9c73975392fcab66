# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values the platform generates (secrets, SecureString parameters), and the markers that stand for them.

A value is generated with the ``secrets`` module and handed straight to the AWS call that stores it.
Nothing here returns, logs or formats a value for output: results and diffs only carry a VALUE_* marker.
"""

from __future__ import annotations

import secrets
import string

# Markers standing in for a value in results and diffs.
VALUE_GENERATED = "<generated>"
VALUE_SET = "<set>"
VALUE_EMPTY = "<empty>"

# Letters and digits only: safe in URLs, connection strings, shell and HTTP headers without quoting.
GENERATED_ALPHABET = string.ascii_letters + string.digits
MIN_GENERATED_LENGTH = 16
MAX_GENERATED_LENGTH = 4096


def generate_value(length):
    """A random string of ``length`` characters from GENERATED_ALPHABET (CSPRNG)."""
    if not MIN_GENERATED_LENGTH <= length <= MAX_GENERATED_LENGTH:
        raise ValueError(
            f"generated value length must be between {MIN_GENERATED_LENGTH} and {MAX_GENERATED_LENGTH}, got {length}"
        )
    return "".join(secrets.choice(GENERATED_ALPHABET) for dummy in range(length))


def validate_length(length):
    """An error message (without any value) for an invalid ``length``, or None."""
    if length is None or not MIN_GENERATED_LENGTH <= length <= MAX_GENERATED_LENGTH:
        return f"length must be between {MIN_GENERATED_LENGTH} and {MAX_GENERATED_LENGTH}"
    return None


def value_marker(has_value, generated=False):
    """Marker describing a value without revealing it."""
    if generated:
        return VALUE_GENERATED
    return VALUE_SET if has_value else VALUE_EMPTY
