"""cspulse benchmark harness: `python -m bench.run --help`.

Every phase runs against the real local broker (scripts/stack start) with topics,
consumer groups and workers of its own, so runs never disturb each other or the demo.
Comparisons are measured side by side in one run and reported as ratios.
"""
