# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Errors of the collection's filters that name the filter and what its input lacks.

The shaping filters (``cloudfront_distribution_specs``, ``ecs_service_services``, ...) index their input
directly: the roles call them only after their ``*_problems`` check has named every bad variable. Called any
other way, a missing key used to surface as Jinja's bare ``KeyError`` (for example only ``'certificate_arn'``),
without the filter's name. ``filters_naming_their_input`` wraps each function of a ``FilterModule.filters()``
dict so that a ``KeyError``, ``TypeError`` or ``AttributeError`` raised while it reads its input becomes an
``AnsibleFilterError`` that names the filter, the key or the shape, and where its documentation is.
"""

from __future__ import annotations

import functools

from ansible.errors import AnsibleFilterError

COLLECTION = "rocketclub.platform"


def _error(name, problem):
    return AnsibleFilterError(
        f"{COLLECTION}.{name}: {problem}; `ansible-doc -t filter {COLLECTION}.{name}` lists what each "
        "argument must hold (the roles check their variables before they call it)"
    )


def _naming(name, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except KeyError as exc:
            raise _error(name, f"its input has no key {exc.args[0] if exc.args else None!r}") from exc
        except (TypeError, AttributeError) as exc:
            raise _error(name, f"its input does not have the documented shape ({exc})") from exc

    return wrapper


def filters_naming_their_input(filters):
    """Return ``filters`` (name -> function) with every function wrapped as described above."""
    return {name: _naming(name, function) for name, function in filters.items()}
