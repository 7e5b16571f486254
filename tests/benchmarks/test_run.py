"""The benchmarks still run (on tiny inputs); timings are never asserted."""

import sys

from benchmarks import run


def test_the_benchmark_runs_end_to_end_on_small_inputs(monkeypatch, capsys):
    monkeypatch.setattr(
        sys, "argv", ["run", "--accounts", "200", "--participants", "500", "--repeats", "1"]
    )

    run.main()

    output = capsys.readouterr().out
    assert "plan_columnar" in output
    assert output.count("bound") == 4
