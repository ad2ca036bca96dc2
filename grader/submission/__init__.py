"""The submission before it runs: `staging` copies it (no links, no config or test-named files) and
`integrity` scans the copy's code on the host (`equality` finds overridden comparisons).

Nothing is imported here: `grader run` stages before its container starts, and scans while it runs.
"""
