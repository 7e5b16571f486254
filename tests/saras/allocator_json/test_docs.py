"""docs/allocator-cli.md cannot drift: its examples run, and its schemas are the code's."""

import json
import re
from pathlib import Path

import pytest

from saras.allocator_json.commands import run
from saras.allocator_json.schemas import SCHEMAS

DOC = (Path(__file__).parents[3] / "docs" / "allocator-cli.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(
    r"<!-- example: (\w+) -->\n```json\n(.*?)\n```.*?<!-- output -->\n```json\n(.*?)\n```",
    DOC,
    re.S,
)
SCHEMA_BLOCKS = re.findall(r"<!-- schema: (\w+) (input|output) -->\n```json\n(.*?)\n```", DOC, re.S)


def test_the_doc_has_an_example_for_every_command_and_every_schema():
    assert {command for command, _, _ in EXAMPLES} == set(SCHEMAS)
    assert {(c, d) for c, d, _ in SCHEMA_BLOCKS} == {
        (c, d) for c in SCHEMAS for d in ("input", "output")
    }


@pytest.mark.parametrize(("command", "given", "expected"), EXAMPLES)
def test_every_documented_example_gives_the_documented_output(command, given, expected):
    assert json.loads(run(command, given)) == json.loads(expected)


@pytest.mark.parametrize(("command", "direction", "text"), SCHEMA_BLOCKS)
def test_every_documented_schema_is_the_one_the_code_validates_with(command, direction, text):
    assert json.loads(text) == SCHEMAS[command][0 if direction == "input" else 1]
