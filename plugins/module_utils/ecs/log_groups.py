# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudWatch log groups of the ECS containers (``awslogs`` driver): name, read, create, retention and tags."""

from __future__ import annotations

from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import apply_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags


def log_group_of(item, cluster):
    """Log group of a service or task definition: ``log_group``, default ``/ecs/<cluster>/<name>``."""
    return item.get("log_group") or f"/ecs/{cluster}/{item['name']}"


def log_group_before(group):
    """Diff entry of a log group as found (None when it does not exist)."""
    return {k: v for k, v in group.items() if k != "arn"} if group else None


def describe_log_groups(ctx, names):
    """``{name: {arn, name, retention_days, tags} or None}`` of the log groups ``names``.

    DescribeLogGroups takes one name prefix per call. Names in the default layout (``/ecs/<cluster>/...``) are
    read with one paginated call for the prefix ``/ecs/<cluster>/``, which matches only this cluster's log groups;
    any other name with its own call. Then one ListTagsForResource per existing group (the API has no batch).
    """
    cluster_prefix = f"/ecs/{ctx.cluster}/"
    in_layout = sorted({name for name in names if name.startswith(cluster_prefix)})
    others = sorted(set(names) - set(in_layout))
    found = {}
    prefixes = ([cluster_prefix] if len(in_layout) > 1 else in_layout) + others
    for prefix in prefixes:
        for group in paginate(ctx.logs, "describe_log_groups", "logGroups", logGroupNamePrefix=prefix):
            found.setdefault(group["logGroupName"], group)
    return {name: _with_tags(ctx, name, found.get(name)) for name in names}


def _with_tags(ctx, name, group):
    if group is None:
        return None
    arn = group.get("logGroupArn") or group["arn"].removesuffix(":*")
    tags = ctx.logs.list_tags_for_resource(resourceArn=arn, aws_retry=True).get("tags") or {}
    return {"arn": arn, "name": name, "retention_days": group.get("retentionInDays"), "tags": tags}


def ensure_log_group(ctx, current, name, retention, tags):
    """Create the log group or converge its retention and tags. Returns ``(changed, diff entry after)``."""
    logs = ctx.logs
    if current is None:
        if not ctx.check_mode:
            logs.create_log_group(logGroupName=name, tags=tags, aws_retry=True)
            logs.put_retention_policy(logGroupName=name, retentionInDays=retention, aws_retry=True)
        return True, {"name": name, "retention_days": retention, "tags": tags}
    changed = current["retention_days"] != retention
    if changed and not ctx.check_mode:
        logs.put_retention_policy(logGroupName=name, retentionInDays=retention, aws_retry=True)
    plan = plan_tags(current["tags"], tags, ctx.params["purge_tags"])
    tags_changed = apply_tags(
        plan,
        tag=lambda to_set: logs.tag_resource(resourceArn=current["arn"], tags=to_set, aws_retry=True),
        untag=lambda keys: logs.untag_resource(resourceArn=current["arn"], tagKeys=keys, aws_retry=True),
        check_mode=ctx.check_mode,
    )
    return changed or tags_changed, {"name": name, "retention_days": retention, "tags": plan.result}
