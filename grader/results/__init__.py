"""From the sandbox's JUnit XML to a scored Report: `junit` parses it, `scoring` matches it to the expected
tests (`param_ids` pairs parameter ids) and allocates points in whole cents (`rounding`), `late` applies
the late policy.

Nothing is imported here: `grader run` imports the scoring while its container runs, not before.
"""
