"""`storewatch bench`: one benchmark for the whole pipeline, from demo load to dashboard render.

Heavy steps run in child processes (`child.py`) so each step's peak RSS is its own; the step
bodies are in `steps.py`, the dashboard's renders and query replays in `dashboard.py` (also
`python -m bench.dashboard` on the served warehouse), the tables and docs/benchmarks.md in
`report.py`, and the command itself in `command.py` (its options in etl/bench_cli.py).

The benchmark imports `etl` and `dashboard`; the dashboard never imports it, and `etl` only inside
the command function (tests/test_import_graph.py checks both).
"""
