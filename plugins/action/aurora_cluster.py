# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of ``rocketclub.platform.aurora_cluster``: waits in slices and prints progress.

See ``plugins/plugin_utils/sliced_wait.py``: the module runs once with ``wait=false`` to make the
change, then in 30-second waiting slices, each printing ``aurora_cluster <cluster>: <status>, <elapsed>
elapsed of <wait_timeout>``, and the task gets one merged result.
"""

from __future__ import annotations

from ansible_collections.rocketclub.platform.plugins.plugin_utils.sliced_wait import SlicedWaitAction


class ActionModule(SlicedWaitAction):
    SUBJECT_OPTION = "cluster_identifier"
    WAIT_DEFAULT = True
    WAIT_TIMEOUT_DEFAULT = 1800
    STICKY_KEYS = ("restored_from", "final_snapshot")
