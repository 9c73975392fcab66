# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of ``rocketclub.platform.ecs_capacity``: waits in slices and prints progress.

See ``plugins/plugin_utils/sliced_wait.py``: with ``wait=true`` the module runs once with ``wait=false`` to park or
unpark, then in 30-second waiting slices, each printing ``ecs_capacity <cluster>: <what is not ready>, <elapsed>
elapsed of <wait_timeout>``, and the task gets one merged result. ``services`` (with the per-service ``changed``
flags) comes from the call that made the changes.
"""

from __future__ import annotations

from ansible_collections.rocketclub.platform.plugins.plugin_utils.sliced_wait import SlicedWaitAction


class ActionModule(SlicedWaitAction):
    SUBJECT_OPTION = "cluster"
    WAIT_DEFAULT = False
    WAIT_TIMEOUT_DEFAULT = 600
    STICKY_KEYS = ("services",)
