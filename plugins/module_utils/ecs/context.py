# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the ECS resource files share in one module run: the clients, check mode, the problems found before the
first write, and the ECS tag shape (``key``/``value`` lists, ``TagResource``/``UntagResource``)."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.tags import apply_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags


def dependency_problem(module, errors, message):
    """A missing dependency: an error, except in check mode where another role may be predicting it (warning)."""
    if module.check_mode:
        module.warn(message + " (check mode: predicting the result anyway)")
    else:
        errors.append(message)


def boto3_tags(tags):
    """``{key: value}`` as the ``key``/``value`` list ECS takes."""
    return ansible_dict_to_boto3_tag_list(tags, "key", "value")


class EcsContext:
    """One module run against one cluster. Clients are created on first use, all with ``AWSRetry.jittered_backoff``;
    ``errors`` collects the problems found before the first write (the module fails with all of them at once)."""

    def __init__(self, module, cluster=None):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.cluster = cluster or module.params["cluster"]
        self.errors = []
        self._clients = {}

    def client(self, name):
        if name not in self._clients:
            self._clients[name] = self.module.client(name, retry_decorator=AWSRetry.jittered_backoff())
        return self._clients[name]

    @property
    def ecs(self):
        return self.client("ecs")

    @property
    def logs(self):
        return self.client("logs")

    @property
    def scaling(self):
        return self.client("application-autoscaling")

    def problem(self, message):
        dependency_problem(self.module, self.errors, message)

    def apply_ecs_tags(self, arn, current, desired):
        """Tags of an ECS resource (cluster, service, task definition). Returns ``(changed, tags after)``."""
        plan = plan_tags(as_dict(current), desired, self.params["purge_tags"])
        changed = apply_tags(
            plan,
            tag=lambda tags: self.ecs.tag_resource(resourceArn=arn, tags=boto3_tags(tags), aws_retry=True),
            untag=lambda keys: self.ecs.untag_resource(resourceArn=arn, tagKeys=keys, aws_retry=True),
            check_mode=self.check_mode,
        )
        return changed, plan.result
