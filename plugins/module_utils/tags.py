# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tags, once for every module: the managed tag, the desired set, one plan, one way to apply it.

Every resource the collection creates carries ``platform:managed-by = rocketclub.platform``; a module
adopts or deletes only what carries it. Tag values are strings in every AWS API, so the plan compares
strings. ``aws:`` tags are AWS's own: never removed (AWS refuses it). A plan is applied through two
callables, one per API shape, so each module keeps its own ``TagResource``/``UntagResource`` call.
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

MANAGED_TAG_KEY = "platform:managed-by"
MANAGED_TAG_VALUE = "rocketclub.platform"
MANAGED_TAGS = {MANAGED_TAG_KEY: MANAGED_TAG_VALUE}
NAME_TAG = "Name"
RESERVED_PREFIX = "aws:"


class TagPlan(namedtuple("TagPlan", "to_set to_unset result")):
    """``to_set`` {key: value}, ``to_unset`` sorted keys, ``result`` the tags once the plan is applied."""

    @property
    def changed(self):
        return bool(self.to_set or self.to_unset)


def as_dict(tags):
    """``{key: value}`` (strings) from a dict, a boto3 tag list (``Key``/``Value``, ``key``/``value``) or None."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        return {str(k): "" if v is None else str(v) for k, v in tags.items()}
    first = tags[0]
    if "Key" in first:
        return boto3_tag_list_to_ansible_dict(tags)
    return boto3_tag_list_to_ansible_dict(tags, "key", "value")


def desired_tags(*layers, name=None, managed=True):
    """The tags a resource should carry: ``layers`` merged in order (later wins), then ``Name`` when
    ``name`` is given, then the managed tag, which no layer can override."""
    tags = {}
    for layer in layers:
        tags.update(as_dict(layer))
    if name:
        tags[NAME_TAG] = str(name)
    if managed:
        tags.update(MANAGED_TAGS)
    return tags


def carries(tags, marker):
    """True when ``tags`` (any shape ``as_dict`` reads) carry every key and value of ``marker``; an empty
    marker never matches, so that a purge option can never select everything for deletion."""
    tags, marker = as_dict(tags), as_dict(marker)
    return bool(marker) and all(tags.get(k) == v for k, v in marker.items())


def has_managed_tag(tags):
    """True when ``tags`` (any shape ``as_dict`` reads) carry the collection's managed tag."""
    return carries(tags, MANAGED_TAGS)


def plan_tags(current, desired, purge_tags=True, keep=(), always_remove=()):
    """What to change so that ``current`` carries ``desired``.

    ``purge_tags`` removes the tags ``desired`` does not name, except ``aws:`` tags and the ``keep`` keys.
    ``always_remove`` keys are removed when present and not desired, even without ``purge_tags``.
    """
    current, desired = as_dict(current), as_dict(desired)
    to_set, to_unset = compare_aws_tags(current, desired, purge_tags)
    unset = {k for k in to_unset if k not in keep and not k.startswith(RESERVED_PREFIX)}
    unset.update(k for k in always_remove if k in current and k not in desired)
    to_set = {k: str(v) for k, v in to_set.items()}
    result = {k: v for k, v in current.items() if k not in unset}
    result.update(to_set)
    return TagPlan(to_set, sorted(unset), result)


def apply_tags(plan, tag, untag, check_mode):
    """Apply ``plan``: ``untag(keys)`` then ``tag({key: value})``, each only when needed and never in
    check mode. Returns whether anything changes (also in check mode)."""
    if not check_mode:
        if plan.to_unset:
            untag(list(plan.to_unset))
        if plan.to_set:
            tag(dict(plan.to_set))
    return plan.changed
