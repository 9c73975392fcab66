# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ECS cluster: read, create, Container Insights setting and tags."""

from __future__ import annotations

from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.context import boto3_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict


def insights_of(cluster):
    """The ``containerInsights`` setting of a DescribeClusters entry (``disabled`` when it has none)."""
    return {s["name"]: s["value"] for s in cluster.get("settings") or []}.get("containerInsights", "disabled")


def cluster_view(cluster):
    """Diff entry of a cluster (None when it does not exist)."""
    if not cluster:
        return None
    return {
        "name": cluster.get("clusterName"),
        "container_insights": insights_of(cluster),
        "tags": as_dict(cluster.get("tags")),
    }


def describe_cluster(ctx):
    """The cluster (with tags and settings), or None when it does not exist or is INACTIVE."""
    found = ctx.ecs.describe_clusters(clusters=[ctx.cluster], include=["TAGS", "SETTINGS"], aws_retry=True)["clusters"]
    return next((c for c in found if c.get("status") != "INACTIVE"), None)


def ensure_cluster(ctx, cluster, container_insights, tags):
    """Create the cluster or converge Container Insights and tags. Returns ``(changed, cluster after)``; a cluster a
    check run would create has the ARN ``pending:ecs-cluster/<name>``. ``enhanced`` observability counts as enabled."""
    settings = [{"name": "containerInsights", "value": "enabled" if container_insights else "disabled"}]
    if cluster is None:
        predicted = {
            "clusterArn": pending_id("ecs-cluster", ctx.cluster),
            "clusterName": ctx.cluster,
            "settings": settings,
        }
        if not ctx.check_mode:
            predicted = ctx.ecs.create_cluster(
                clusterName=ctx.cluster, settings=settings, tags=boto3_tags(tags), aws_retry=True
            )["cluster"]
        return True, dict(predicted, tags=tags)
    changed = (insights_of(cluster) != "disabled") != container_insights
    if changed and not ctx.check_mode:
        ctx.ecs.update_cluster(cluster=ctx.cluster, settings=settings, aws_retry=True)
    tags_changed, tags_after = ctx.apply_ecs_tags(cluster["clusterArn"], cluster.get("tags"), tags)
    return changed or tags_changed, dict(
        cluster, settings=settings if changed else cluster.get("settings"), tags=tags_after
    )
