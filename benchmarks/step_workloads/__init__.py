"""The training-step workloads of ``benchmarks/bench_steps.py``: one shared spec
(``common``) and one module per library that builds each workload's step."""
