# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EventBridge ``PutTargets`` as AWS answers it, inside moto's events handler.

moto 5.2.5 answers every ``PutTargets`` with ``FailedEntryCount`` 0 and stores any number of targets on a rule.
AWS (botocore's ``events`` model, PutTargets documentation):

* "Each rule can have up to five (5) targets associated with it at one time": a ``PutTargets`` that would leave
  a rule with more than five targets fails with ``LimitExceededException`` ("The request failed because it
  attempted to create resource beyond the allowed service quota.", the model's text of that error) and changes
  nothing;
* "The maximum number of entries per request is 10" (refused here with ``ValidationException``);
* ``PutTargets`` can fail *partly*: HTTP 200 with ``FailedEntryCount`` > 0 and one ``FailedEntries`` item
  (``TargetId``, ``ErrorCode``, ``ErrorMessage``) per target that was not added or updated, for example
  ``ConcurrentModificationException`` when too many requests were made at the same time (the model's text of
  ``PutTargetsResultEntry.ErrorCode``). The other targets of the same call are applied.

The partial failure cannot be provoked on demand against AWS; the local cloud injects it: the control call
``POST /_localcloud/events/put-targets-failures`` with ``{"target_ids": [...], "error_code": ..., "error_message":
...}`` arms a failure for each named target id, used up by the next ``PutTargets`` that names it (that target is
then left as it was and reported in ``FailedEntries``). ``arm_failures`` does the same in process.

``patch(setter)`` wraps ``EventsHandler.put_targets`` (hooked in through ``moto_patches.PATCHES``).
"""

import json
import threading

CONTROL_NAME = "events/put-targets-failures"
MAX_TARGETS_PER_RULE = 5
MAX_ENTRIES_PER_REQUEST = 10
LIMIT_MESSAGE = "The request failed because it attempted to create resource beyond the allowed service quota."
DEFAULT_FAILURE = (
    "ConcurrentModificationException",
    "There is concurrent modification on a resource. Please try again.",
)

_LOCK = threading.Lock()
_ARMED = {}


def arm_failures(target_ids, error_code=None, error_message=None):
    """Make the next ``PutTargets`` naming each of ``target_ids`` fail for that target only."""
    code = error_code or DEFAULT_FAILURE[0]
    message = error_message or DEFAULT_FAILURE[1]
    with _LOCK:
        for target_id in target_ids:
            _ARMED[str(target_id)] = (code, message)
    return {"armed": sorted(str(t) for t in target_ids), "error_code": code}


def clear_failures():
    with _LOCK:
        _ARMED.clear()


def _take_failure(target_id):
    with _LOCK:
        return _ARMED.pop(target_id, None)


def patch(setter=setattr):
    """Enforce the five-targets quota and the ten-entries limit, and answer armed partial failures.

    ``setter`` is ``setattr`` for the daemon; tests pass ``monkeypatch.setattr`` to undo it.
    """
    from moto.core.exceptions import JsonRESTError
    from moto.events.responses import EventsHandler

    from localcloud.moto_patches import _require  # pylint: disable=protected-access

    _require(EventsHandler, "put_targets")
    _require(EventsHandler, "events_backend")

    class LimitExceededException(JsonRESTError):
        code = 400

        def __init__(self, message):
            super().__init__("LimitExceededException", message)

    class ValidationException(JsonRESTError):
        code = 400

        def __init__(self, message):
            super().__init__("ValidationException", message)

    def put_targets(self):
        rule_name = self._get_param("Rule")
        event_bus_name = self._get_param("EventBusName")
        targets = self._get_param("Targets") or []
        if len(targets) > MAX_ENTRIES_PER_REQUEST:
            raise ValidationException(
                "1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have "
                "length less than or equal to %d" % MAX_ENTRIES_PER_REQUEST
            )
        backend = self.events_backend
        # Raises ResourceNotFoundException for a missing rule or bus, as moto's own put_targets does.
        bus = backend._get_event_bus(backend._normalize_event_bus_arn(event_bus_name))  # pylint: disable=protected-access
        rule = bus.rules.get(rule_name)
        if rule is None:
            backend.put_targets(rule_name, event_bus_name, targets)  # moto's ResourceNotFoundException
        failed, applied = [], []
        for target in targets:
            failure = _take_failure(target.get("Id"))
            if failure:
                failed.append({"TargetId": target.get("Id"), "ErrorCode": failure[0], "ErrorMessage": failure[1]})
            else:
                applied.append(target)
        if len({t["Id"] for t in rule.targets} | {t.get("Id") for t in applied}) > MAX_TARGETS_PER_RULE:
            raise LimitExceededException(LIMIT_MESSAGE)
        if applied:
            backend.put_targets(rule_name, event_bus_name, applied)
        return json.dumps({"FailedEntryCount": len(failed), "FailedEntries": failed}), self.response_headers

    setter(EventsHandler, "put_targets", put_targets)


def control(method, name, payload):
    """The ``/_localcloud/events/...`` control endpoint: ``(status, data)``, or None for another name."""
    if name != CONTROL_NAME:
        return None
    if method == "DELETE":
        clear_failures()
        return 200, {"cleared": True}
    if method != "POST":
        return 405, {"error": "use POST or DELETE %s" % CONTROL_NAME}
    payload = payload if isinstance(payload, dict) else {}
    ids = payload.get("target_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        return 400, {"error": "target_ids (a non-empty list of target ids) is required"}
    return 200, arm_failures(ids, payload.get("error_code"), payload.get("error_message"))
