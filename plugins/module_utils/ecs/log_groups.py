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


def describe_log_group(ctx, name):
    """``{arn, name, retention_days, tags}`` of the log group ``name``, or None."""
    groups = paginate(ctx.logs, "describe_log_groups", "logGroups", logGroupNamePrefix=name)
    group = next((g for g in groups if g["logGroupName"] == name), None)
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
