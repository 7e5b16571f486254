"""The algorithm tests run the Lean project as Lean would import it: the stand-in installed as
``AlgorithmImports`` and the project directory on the import path (its modules import each
other by file name, as Lean projects do)."""

from __future__ import annotations

import sys

from bridge_api.config import REPOSITORY
from tests.algorithms import lean_standin

PROJECT = REPOSITORY / "algorithms" / "saras_master"

sys.modules["AlgorithmImports"] = lean_standin
if str(PROJECT) not in sys.path:
    sys.path.append(str(PROJECT))
