"""docs/awx ships a survey spec and a project playbook for every playbook, asking only for variables the
playbook (or the role it runs) has, in the shape AWX accepts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
AWX_DOCS = REPO_ROOT / "docs" / "awx"
PLAYBOOKS = sorted(path.stem for path in (REPO_ROOT / "playbooks").glob("*.yml"))
# The question types of AWX's survey_spec (awx/main/models/mixins.py SurveyJobTemplateMixin).
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def _variables_of(playbook: str) -> set[str]:
    """Play vars, plus the options of the roles (and role entry points) the play runs (their argument specs)."""
    known = set()
    for play in yaml.safe_load((REPO_ROOT / "playbooks" / f"{playbook}.yml").read_text()):
        known |= set(play.get("vars", {}))
        for role in play.get("roles", []):
            specs = yaml.safe_load((REPO_ROOT / "roles" / role["role"].split(".")[-1] / "meta" / "argument_specs.yml").read_text())
            known |= set(specs["argument_specs"]["main"]["options"]) - set(role.get("vars", {}))
        for task in play.get("tasks", []):  # a role entry point run with include_role / tasks_from
            included = task.get("ansible.builtin.include_role")
            if included:
                specs = yaml.safe_load((REPO_ROOT / "roles" / included["name"].split(".")[-1] / "meta" /
                                        "argument_specs.yml").read_text())
                known |= set(specs["argument_specs"][included.get("tasks_from", "main")]["options"])
    return known


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_survey_spec_asks_for_variables_the_playbook_has(playbook):
    survey = json.loads((AWX_DOCS / "surveys" / f"{playbook}.json").read_text())
    assert survey["name"] == playbook and survey["description"]
    questions = survey["spec"]
    variables = [question["variable"] for question in questions]
    assert len(variables) == len(set(variables))
    assert set(variables) <= _variables_of(playbook), set(variables) - _variables_of(playbook)
    for question in questions:
        assert question["type"] in SURVEY_TYPES and question["question_name"] and question["question_description"]
        # Answers are strings, as AWX sends them; the playbooks convert them.
        assert isinstance(question["default"], str), question["variable"]
        if question["type"] == "multiplechoice":
            assert question["default"] in question["choices"], question["variable"]


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_project_playbook_imports_the_collection_playbook(playbook):
    plays = yaml.safe_load((AWX_DOCS / "project" / f"{playbook}.yml").read_text())
    assert [play["ansible.builtin.import_playbook"] for play in plays] == [f"resilience.s3_dr.{playbook}"]


def test_job_templates_cover_every_playbook():
    play = yaml.safe_load((AWX_DOCS / "job_templates.yml").read_text())[0]
    assert sorted(play["vars"]["s3dr_playbooks"]) == PLAYBOOKS
