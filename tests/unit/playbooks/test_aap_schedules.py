# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX / Automation Platform objects of playbooks/vars/aap.yml, as playbooks/aap_configure.yml sends them.

The plan is rendered by the real ``ansible-playbook playbooks/aap_configure.yml -e aap_plan_file=...``: the same
variables, validation and templating as a run against a controller, stopped before the first API call. Each
schedule's rule is then parsed the way AWX parses it (``Schedule.rrulestr`` in awx/main/models/schedules.py:
``dateutil.rrule.rrulestr(rule, tzinfos=<UTC names>, forceset=True)``) and its next ten occurrences from just before
a daylight-saving change must fall on weekdays at 19:00 (park) / 07:00 (unpark) local time, with the UTC offset
changing across the change. The module arguments are checked against the real argument specs of the installed
awx.awx modules.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import time
import types
import zoneinfo

import dateutil.parser
import dateutil.rrule
import dateutil.tz
import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.template import trust_as_template
from ansible_collections.awx.awx.plugins.module_utils.controller_api import ControllerAPIModule

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PLAYBOOK = os.path.join(REPO, "playbooks", "aap_configure.yml")
VARS = os.path.join(REPO, "playbooks", "vars", "aap.yml")
# galaxy.yml declares a placeholder repository, which aap_configure.yml refuses (tested below).
SCM_URL = "https://git.example.org/rocketclub/platform.git"
ACTIONS = [
    "site",
    "verify",
    "park",
    "unpark",
    "rotate_kinde",
    "rotate_origin_secret",
    "repark",
    "sync_cloudflare_ranges",
]
WEEKDAYS = {0, 1, 2, 3, 4}  # Monday .. Friday
# dateutil.parser's UTC names, as awx/main/models/schedules.py builds UTC_TIMEZONES.
UTC_TIMEZONES = {name: dateutil.tz.tzutc() for name in dateutil.parser.parserinfo().UTCZONE}


def _galaxy():
    with open(os.path.join(REPO, "galaxy.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def run_plan(path, *extra, scm_url=SCM_URL):
    """ansible-playbook aap_configure.yml writing its plan to ``path``; returns the completed process."""
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".collections"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_STRATEGY": "linear",
    }
    # No controller anywhere: a run that went past the plan would fail to connect instead of passing.
    env.update({"CONTROLLER_HOST": "https://127.0.0.1:9", "CONTROLLER_OAUTH_TOKEN": "unused"})
    command = [
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        PLAYBOOK,
        "-e",
        f"aap_plan_file={path}",
        *(["-e", f"aap_project_scm_url={scm_url}"] if scm_url else []),
        *extra,
    ]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    """The plan of a default run, rendered once per test run: the xdist workers of a run share it (their base
    temporary directories have one parent per run); the first to take the lock renders it, the others wait."""
    shared = os.environ.get("PYTEST_XDIST_WORKER")
    root = tmp_path_factory.getbasetemp().parent if shared else tmp_path_factory.getbasetemp()
    path, lock = root / "aap-plan.json", root / "aap-plan.lock"
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        deadline = time.monotonic() + 180
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    else:
        rendering = root / "aap-plan.rendering.json"
        result = run_plan(rendering)
        assert result.returncode == 0, result.stdout + result.stderr
        rendering.rename(path)
    return json.loads(path.read_text(encoding="utf-8"))


def templated(expression, **variables):
    """``expression`` templated in-process with vars/aap.yml as aap_configure.yml loads it (vars_files: trusted
    templates, !unsafe kept) and ``variables`` as extra vars; test_templar_renders_as_the_playbook holds it to the
    real run."""
    declared = DataLoader().load_from_file(VARS, trusted_as_template=True)
    every = {**declared, "playbook_dir": os.path.join(REPO, "playbooks"), **variables}
    return Templar(loader=DataLoader(), variables=every).template(trust_as_template(expression))


# ------------------------------------------------------------------------------------------------------------------
# Schedules across daylight-saving changes
# ------------------------------------------------------------------------------------------------------------------


def awx_rruleset(rule):
    """AWX's parse of a stored rule (Schedule.rrulestr; no UNTIL here, so coerce_naive_until changes nothing)."""
    ruleset = dateutil.rrule.rrulestr(rule, tzinfos=UTC_TIMEZONES, forceset=True)
    for one in ruleset._rrule:
        assert one._dtstart.tzinfo is not None, "AWX: A valid TZID must be provided"
    return ruleset


def awx_rrule_errors(rule):
    """The checks of SchedulePreviewSerializer.validate_rrule (awx/api/serializers.py) a rule must pass."""
    errors = []
    dtstarts = re.findall(r".*?(DTSTART(;[^:]+)?\:[0-9]+T[0-9]+Z?)", rule)
    if len(dtstarts) != 1:
        errors.append("exactly one valid DTSTART")
    if re.findall(r".*?(DTSTART:[0-9]+T[0-9]+) ", rule):
        errors.append("DTSTART cannot be a naive datetime")
    if "rrule:" not in rule.lower():
        errors.append("one or more rule required")
    for one in re.findall(r".*?(RULE\:[^\s]*)", rule):
        if "interval" not in one.lower():
            errors.append(f"INTERVAL required in rrule: {one}")
        if "secondly" in one.lower() or re.match(r".*?BYDAY[\:\=][0-9]+[a-zA-Z]{2}", one):
            errors.append(f"unsupported: {one}")
    return errors


def transitions(zone, year):
    """The local dates of the daylight-saving changes of ``zone`` in ``year``: [(date, 'forward' | 'back')]."""
    tz = zoneinfo.ZoneInfo(zone)
    found = []
    day = datetime.datetime(year, 1, 1, 12, tzinfo=tz)
    while day.year == year:
        following = day + datetime.timedelta(days=1)
        before, after = day.utcoffset(), following.utcoffset()
        if before != after:
            found.append((following.date(), "forward" if after > before else "back"))
        day = following
    return found


def occurrence_problems(rule, zone, hour, start):
    """Why the next ten occurrences after ``start`` (local midnight) are not each weekday at ``hour``:00 in ``zone``
    (read with the standard library's time zone database, not the rule's), with a UTC offset that changes."""
    occurrences = list(awx_rruleset(rule).xafter(start, count=10))
    local = [when.astimezone(zoneinfo.ZoneInfo(zone)) for when in occurrences]
    problems = [
        f"{when.isoformat()} is not {hour:02d}:00 local" for when in local if (when.hour, when.minute) != (hour, 0)
    ]
    days = [start.date() + datetime.timedelta(days=n) for n in range(15)]
    weekdays = [day for day in days if day.weekday() in WEEKDAYS][:10]
    if [when.date() for when in local] != weekdays:
        problems.append(f"days {[when.date() for when in local]} are not the next ten weekdays {weekdays}")
    if len({when.utcoffset() for when in occurrences}) != 2:
        problems.append("the UTC offset of the occurrences does not change across the daylight-saving change")
    return problems


def _schedules(plan_, action):
    return [s for s in plan_["schedules"] if s["name"].split()[-3] == action]


def test_templar_renders_as_the_playbook(plan):
    for action in ("park", "unpark"):
        assert {s["rrule"] for s in _schedules(plan, action)} == {templated(f"{{{{ aap_{action}_rrule }}}}")}
    assert templated("{{ aap_plan_schedules }}", aap_project_scm_url=SCM_URL) == plan["schedules"]
    assert templated("{{ __aap_envs }}", aap_envs="dev, prod") == ["dev", "prod"]


# Europe/London: the default (clocks forward in March, back in October); Australia/Sydney: the southern hemisphere
# (back in April, forward in October).
@pytest.mark.parametrize("zone", ["Europe/London", "Australia/Sydney"])
@pytest.mark.parametrize("action, hour", [("park", 19), ("unpark", 7)])
def test_next_ten_occurrences_across_each_daylight_saving_change(plan, zone, action, hour):
    if zone == "Europe/London":
        rules = {s["rrule"] for s in _schedules(plan, action)}
    else:
        rules = {templated(f"{{{{ aap_{action}_rrule }}}}", aap_time_zone=zone)}
    (rule,) = rules
    assert f"TZID={zone}:" in rule and awx_rrule_errors(rule) == []
    changes = transitions(zone, 2026)
    assert sorted(kind for _day, kind in changes) == ["back", "forward"]
    for day, _kind in changes:
        # From the Thursday before the change (a Sunday in both zones): the ten occurrences span it.
        start = datetime.datetime.combine(
            day - datetime.timedelta(days=3), datetime.time(0, 0), zoneinfo.ZoneInfo(zone)
        )
        assert occurrence_problems(rule, zone, hour, start) == [], (rule, day)
        # The same rule declared in UTC keeps the UTC time and moves the local one: the check tells.
        assert occurrence_problems(rule.replace(f"TZID={zone}:", "TZID=UTC:"), zone, hour, start) != []


def test_the_rules_are_what_awx_awx_schedule_rrule_builds(plan, monkeypatch):
    """awx.awx's lookup builds the same string; it needs pytz only for its list of zone names, stubbed here."""
    stub = types.ModuleType("pytz")
    stub.all_timezones = sorted(zoneinfo.available_timezones())
    monkeypatch.setitem(sys.modules, "pytz", stub)
    monkeypatch.delitem(sys.modules, "ansible_collections.awx.awx.plugins.lookup.schedule_rrule", raising=False)
    from ansible_collections.awx.awx.plugins.lookup.schedule_rrule import LookupModule

    days = "monday,tuesday,wednesday,thursday,friday"
    for action, at in (("park", "19:00:00"), ("unpark", "07:00:00")):
        expected = LookupModule().run(["week"], start_date=f"2026-01-05 {at}", timezone="Europe/London", on_days=days)
        assert {s["rrule"] for s in _schedules(plan, action)} == {expected}


def test_schedules_launch_the_workflow_and_the_unpark_template(plan):
    names = {t["name"] for t in plan["job_templates"]} | {w["name"] for w in plan["workflows"]}
    by_name = {s["name"]: s for s in plan["schedules"]}
    assert set(by_name) == {
        f"rocketclub {env} {action} on weekdays" for env in ("dev", "prod") for action in ("park", "unpark")
    }
    for env, enabled in (("dev", True), ("prod", False)):
        assert (
            by_name[f"rocketclub {env} park on weekdays"]["unified_job_template"]
            == f"rocketclub {env} park then verify"
        )
        assert by_name[f"rocketclub {env} unpark on weekdays"]["unified_job_template"] == f"rocketclub {env} unpark"
        assert {by_name[f"rocketclub {env} {a} on weekdays"]["enabled"] for a in ("park", "unpark")} == {enabled}
    assert {s["unified_job_template"] for s in plan["schedules"]} <= names


# ------------------------------------------------------------------------------------------------------------------
# Job templates, workflow, project, inventories, execution environment
# ------------------------------------------------------------------------------------------------------------------


def _read(relative):
    with open(os.path.join(REPO, relative), encoding="utf-8") as handle:
        return handle.read()


def test_every_job_template_runs_an_existing_playbook_in_the_ee_with_its_credentials(plan):
    (ee,) = plan["execution_environments"]
    assert (
        ee["image"]
        == f"quay.io/rocketclub/platform-ee:{_galaxy()['version']}"
        == (f"quay.io/rocketclub/platform-ee:{plan['collection_version']}")
    )
    # The version is read from galaxy.yml, never written a second time.
    assert _galaxy()["version"] not in _read("playbooks/vars/aap.yml")
    templates = {t["name"]: t for t in plan["job_templates"]}
    assert set(templates) == {f"rocketclub {env} {action}" for env in ("dev", "prod") for action in ACTIONS}
    for name, template in templates.items():
        env, action = name.split()[1:]
        assert template["playbook"] == f"playbooks/{action}.yml"
        assert os.path.isfile(os.path.join(REPO, template["playbook"])), f"{name}: {template['playbook']} is missing"
        assert template["execution_environment"] == ee["name"]
        assert template["project"] == plan["projects"][0]["name"] and template["inventory"] == f"rocketclub {env}"
        cloudflare = action in {"site", "verify", "rotate_origin_secret"}
        assert template["credentials"] == [f"rocketclub-aws-{env}"] + (["rocketclub-cloudflare"] if cloudflare else [])
        # No free extra_vars at launch (a launcher could point the credentials elsewhere); surveys only.
        assert template["ask_variables_on_launch"] is False
        assert template["survey_enabled"] is bool(template["survey_spec"])


@pytest.mark.parametrize("action, variable", [("park", "park_confirm"), ("unpark", "unpark_confirm")])
def test_prod_park_and_unpark_carry_the_confirmation_their_playbook_requires(plan, action, variable):
    # The playbook refuses prod without it: `(park_confirm | default('')) == platform_env`.
    assert re.search(rf"\({variable} \| default\(''\)\) == platform_env", _read(f"playbooks/{action}.yml"))
    templates = {t["name"]: t for t in plan["job_templates"]}
    assert templates[f"rocketclub prod {action}"]["extra_vars"] == {variable: "prod"}
    assert templates[f"rocketclub dev {action}"]["extra_vars"] == {}


def test_prod_origin_secret_rotation_asks_for_its_confirmation_at_every_launch(plan):
    assert "(rotate_origin_secret_confirm | default('')) == platform_env" in _read("playbooks/rotate_origin_secret.yml")
    templates = {t["name"]: t for t in plan["job_templates"]}
    prod = templates["rocketclub prod rotate_origin_secret"]
    assert prod["extra_vars"] == {}
    (question,) = prod["survey_spec"]["spec"]
    assert question["variable"] == "rotate_origin_secret_confirm" and question["required"] and question["default"] == ""
    assert templates["rocketclub dev rotate_origin_secret"]["survey_spec"] == {}


def awx_survey_errors(spec):
    """The checks of JobTemplateSurveySpec._validate_spec_data (awx/api/views/__init__.py) a survey must pass."""
    errors = [
        f"{key} missing"
        for key, kind in (("name", str), ("description", str), ("spec", list))
        if not isinstance(spec.get(key), kind)
    ]
    variables = [question.get("variable") for question in spec.get("spec", [])]
    if not variables or len(set(variables)) != len(variables):
        errors.append("no question, or a variable asked twice")
    for question in spec.get("spec", []):
        for key, kind in (("type", str), ("question_name", str), ("variable", str), ("required", bool)):
            if not isinstance(question.get(key), kind):
                errors.append(f"{question}: {key}")
        if question["type"] not in {
            "text",
            "textarea",
            "password",
            "multiplechoice",
            "multiselect",
            "integer",
            "float",
        }:
            errors.append(f"{question}: type")
        if any(not isinstance(question.get(key, 0), int) for key in ("min", "max")):
            errors.append(f"{question}: min/max")
        if question["type"] == "multiplechoice" and question.get("default", "") not in question.get("choices", []):
            errors.append(f"{question}: default not among the choices")
    return errors


def test_surveys_are_valid_and_cover_what_the_rulebooks_send(plan):
    surveys = {t["name"]: t["survey_spec"] for t in plan["job_templates"] if t["survey_spec"]}
    assert {name.split()[-1] for name in surveys} == {
        "park",
        "rotate_kinde",
        "rotate_origin_secret",
        "repark",
        "sync_cloudflare_ranges",
    }
    for name, spec in surveys.items():
        assert awx_survey_errors(spec) == [], name
    # The Kinde secret is a password question: AAP stores the answer encrypted and never shows it.
    (kinde,) = surveys["rocketclub dev rotate_kinde"]["spec"]
    assert (kinde["variable"], kinde["type"], kinde["default"]) == ("kinde_new_client_secret", "password", "")
    # A launch keeps only survey variables (no template prompts for others): each extra_var a rulebook sends to a
    # job template `rocketclub <env> <action>` must be a question of it.
    rulebooks = os.path.join(REPO, "extensions", "eda", "rulebooks")
    sent = {}
    for name in sorted(os.listdir(rulebooks)) if os.path.isdir(rulebooks) else []:
        with open(os.path.join(rulebooks, name), encoding="utf-8") as handle:
            for ruleset in yaml.safe_load(handle) or []:
                for rule in ruleset.get("rules", []):
                    launch = (rule.get("action") or {}).get("run_job_template")
                    if launch:
                        action = launch["name"].split()[-1]
                        sent.setdefault(action, set()).update((launch.get("job_args") or {}).get("extra_vars") or {})
    for action, variables in sent.items():
        for env in ("dev", "prod"):
            asked = {q["variable"] for q in surveys.get(f"rocketclub {env} {action}", {}).get("spec", [])}
            assert variables <= asked, (action, env, variables - asked)


def test_the_workflow_parks_then_verifies_on_success_only(plan):
    templates = {t["name"] for t in plan["job_templates"]}
    assert [w["name"] for w in plan["workflows"]] == [
        "rocketclub dev park then verify",
        "rocketclub prod park then verify",
    ]
    for workflow in plan["workflows"]:
        env = workflow["name"].split()[1]
        nodes = {node["identifier"]: node for node in workflow["workflow_nodes"]}
        assert list(nodes) == ["park", "verify"]
        for identifier, node in nodes.items():
            assert node["unified_job_template"]["type"] == "job_template"
            assert (
                node["unified_job_template"]["name"] == f"rocketclub {env} {identifier}"
                and node["unified_job_template"]["name"] in templates
            )
        assert nodes["park"]["related"] == {"success_nodes": [{"identifier": "verify"}]}
        assert "related" not in nodes["verify"]


def test_project_inventories_and_credential_type(plan):
    (project,) = plan["projects"]
    assert (project["name"], project["scm_type"], project["scm_url"]) == ("rocketclub-platform", "git", SCM_URL)
    assert [i["name"] for i in plan["inventories"]] == ["rocketclub dev", "rocketclub prod"]
    for source in plan["inventory_sources"]:
        env = source["inventory"].split()[1]
        assert (source["source"], source["source_project"]) == ("scm", project["name"])
        assert source["source_path"] == f"inventories/{env}/hosts.yml" and os.path.isfile(
            os.path.join(REPO, source["source_path"])
        )
        assert source["update_on_launch"] and source["overwrite"] and source["overwrite_vars"]
    (credential_type,) = plan["credential_types"]
    # Sent as written: AWX renders it when a job starts, Ansible never does.
    assert credential_type["injectors"] == {"env": {"CLOUDFLARE_API_TOKEN": "{{ api_token }}"}}
    assert credential_type["inputs"]["fields"][0]["secret"] is True


# ------------------------------------------------------------------------------------------------------------------
# The module arguments against the installed awx.awx argument specs
# ------------------------------------------------------------------------------------------------------------------

PLAN_KEYS = {
    "awx.awx.organization": "organizations",
    "awx.awx.execution_environment": "execution_environments",
    "awx.awx.credential_type": "credential_types",
    "awx.awx.project": "projects",
    "awx.awx.inventory": "inventories",
    "awx.awx.inventory_source": "inventory_sources",
    "awx.awx.job_template": "job_templates",
    "awx.awx.workflow_job_template": "workflows",
    "awx.awx.schedule": "schedules",
}
ITEM_ARG = re.compile(r"^\{\{ item\.(\w+)( \| default\(omit, true\))? \}\}$")


class _Captured(Exception):
    pass


def argument_spec(module, monkeypatch):
    """The argument spec (and its constraints) the awx.awx module builds in main(), captured at its constructor."""
    captured = {}

    def capture(self, argument_spec=None, **kwargs):
        constraints = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")
        captured.update({key: kwargs[key] for key in constraints if key in kwargs})
        captured["argument_spec"] = {**ControllerAPIModule.AUTH_ARGSPEC, **argument_spec}
        raise _Captured()

    monkeypatch.setattr(ControllerAPIModule, "__init__", capture)
    name = module.split(".")[-1]
    imported = __import__(f"ansible_collections.awx.awx.plugins.modules.{name}", fromlist=["main"])
    with pytest.raises(_Captured):
        imported.main()
    return captured


def _tasks():
    with open(PLAYBOOK, encoding="utf-8") as handle:
        (play,) = yaml.safe_load(handle)
    return play, [task for task in play["tasks"] if any(key.startswith("awx.awx.") for key in task)]


def test_module_arguments_match_the_installed_awx_awx_argument_specs(plan, monkeypatch):
    play, tasks = _tasks()
    assert sorted(next(k for k in t if k.startswith("awx.awx.")) for t in tasks) == sorted(PLAN_KEYS)
    # The lookup, the validation and the plan come before the first API call, and run whatever the tags.
    first = play["tasks"].index(tasks[0])
    assert [t["name"] for t in play["tasks"][:first]] == [
        "Look up the time zone and the start date (local, no API call)",
        "Validate the AAP settings before any API call",
        "Write the module arguments and stop (aap_plan_file; no API call)",
    ]
    assert all(t["tags"] == ["always"] for t in play["tasks"][:first])
    defaults = play["module_defaults"]["group/awx.awx.controller"]
    for task in tasks:
        module = next(key for key in task if key.startswith("awx.awx."))
        args = task[module]
        items = plan[PLAN_KEYS[module]]
        assert items, module
        spec = argument_spec(module, monkeypatch)
        options = spec.pop("argument_spec")
        assert set(defaults) <= set(options)
        # Every argument is one key of the plan item, so the plan is exactly what the module receives.
        mapping = {option: ITEM_ARG.match(value) for option, value in args.items()}
        assert all(mapping.values()), (module, args)
        assert {m.group(1) for m in mapping.values()} == set(items[0]) and set(args) == set(items[0]), module
        for item in items:
            params = {
                option: item[m.group(1)] for option, m in mapping.items() if not (m.group(2) and not item[m.group(1)])
            }
            result = ArgumentSpecValidator(options, **spec).validate(params)
            assert not result.error_messages, (module, item["name"], result.error_messages)


BAD_INPUT = {
    "aap_envs=local,staging": [
        "aap_envs: local is not an AAP target",
        "aap_envs: unknown environment staging; known: dev, prod",
    ],
    "aap_time_zone=Europe/Lindon": ["aap_time_zone: Europe/Lindon is not an IANA time zone name"],
    "aap_park_time=7pm": ["aap_park_time: 7pm is not a quoted 24-hour time HH:MM"],
    '{"aap_unpark_time": 420}': ["aap_unpark_time: 420 is not a quoted 24-hour time HH:MM"],
    "aap_schedule_start_date=2026-02-30": ["aap_schedule_start_date: 2026-02-30 is not a date YYYY-MM-DD"],
    '{"aap_schedule_days": ["MO", "XX"]}': ["aap_schedule_days: ['MO', 'XX'] is not a list of distinct days"],
}


def test_bad_input_fails_before_any_api_call_naming_each_variable(tmp_path):
    """One run with every bad value: the validation reports them all at once, each naming its variable. No
    aap_project_scm_url: galaxy.yml's placeholder repository is refused too."""
    path = tmp_path / "plan.json"
    result = run_plan(path, *[arg for value in BAD_INPUT for arg in ("-e", value)], scm_url=None)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0 and "Invalid AAP settings (nothing was changed)" in output
    for messages in BAD_INPUT.values():
        for message in messages:
            assert message in output
    assert f"aap_project_scm_url: {_galaxy()['repository']} is no repository the controller can clone" in output
    # Stopped at the validation: no plan written, no controller contacted (CONTROLLER_HOST points at a closed port).
    assert not path.exists() and "127.0.0.1:9" not in output
