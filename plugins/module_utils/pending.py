# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check-mode placeholders: "known after apply" values one module hands to the next.

In check mode a resource that a real run would create has no id yet. The module that would create it
returns a *pending* value in place of the id or ARN (``pending:<kind>/<name>``), and every downstream
module of this collection accepts one wherever it accepts an id: a parent that is pending does not exist,
so everything the module would put under it would be created, and check mode reports exactly that
(changed, with a diff) instead of failing for lack of an id or reporting ``ok``.

A pending value must never reach a real run's API call: ``fail_if_pending`` stops a real run that
receives one (a bug in the caller, not an operator error). Stock modules are given pending values only
where their code uses the value in a ``Filters`` entry of a Describe call (which AWS answers with an
empty list), never as a resource id parameter. The contract is written down in docs/check_mode.md.
"""

from __future__ import annotations

PENDING_PREFIX = "pending:"


def pending_id(kind, name):
    """The placeholder of a resource of ``kind`` (``vpc``, ``subnet``, ``security-group``, ...) named
    ``name`` that check mode predicts a real run would create."""
    return f"{PENDING_PREFIX}{kind}/{name}"


def is_pending(value):
    """True when ``value`` is a check-mode placeholder, not a real id."""
    return isinstance(value, str) and value.startswith(PENDING_PREFIX)


def any_pending(values):
    """True when any of ``values`` (an iterable, a mapping's values, or one value) is a placeholder."""
    if isinstance(values, dict):
        values = values.values()
    elif isinstance(values, str) or values is None:
        values = [values]
    return any(is_pending(value) for value in values)


def fail_if_pending(module, **values):
    """Stop a real run that was handed a placeholder: ``values`` maps the option name to its value
    (a string or a list of strings). In check mode this does nothing."""
    if module.check_mode:
        return
    for option, value in values.items():
        if any_pending(value if isinstance(value, (list, tuple, dict)) else [value]):
            module.fail_json(
                msg=f"{option}: {value!r} is a check-mode placeholder, but this is a real run. The task that "
                "registered it ran in check mode; run the whole playbook without --check."
            )
