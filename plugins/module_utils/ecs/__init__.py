# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ECS, one file per resource; each holds the planning (pure) and the API calls of its resource.

- ``context.py``: what every file shares in one module run (clients, check mode, problems, ECS tag shape)
- ``cluster.py``, ``log_groups.py``, ``task_definitions.py``, ``services.py``, ``autoscaling.py``: the resources
  ``ecs_services`` converges
- ``secret_versions.py``: the secrets a task reads (resolved, checked for a value, recorded as version hashes)
- ``capacity.py`` and ``readiness.py``: park / unpark of the services (``ecs_capacity``)
- ``tasks.py``: one-off tasks (``ecs_run_task``)
- ``validation.py``: the checks of ``ecs_services``' options, before any API call (the general rules it
  applies are in ``module_utils/validation.py``)
"""

from __future__ import annotations
