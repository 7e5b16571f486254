from hypothesis import given
from hypothesis import strategies as st

from saras.allocator_json import codec
from saras.allocator_json.schemas import SCHEMAS
from tests.allocator.strategies import plan_requests
from tests.saras.cli.test_allocator import _document, json_values, near_documents


@given(command=st.sampled_from(sorted(SCHEMAS)), document=near_documents() | json_values)
def test_what_the_compiled_validator_passes_the_pure_python_one_passes(command, document):
    if codec._compiled_valid(command, document):
        codec.validate(command, document)  # raises if the published schema refuses it


@given(request=plan_requests())
def test_the_compiled_validator_passes_valid_plans(request):
    assert codec._compiled_valid("plan", _document(request))
