"""The trusted collection of the instructor's tests: `manifest` runs `pytest --collect-only` on the host with
`collect_plugin` (the submission's modules stubbed) and returns the expected tests with their points.

Nothing is imported here: the collection's pytest loads `grader.collection.collect_plugin` by name, and
nothing but the plugin may run in that process before its stubs are installed.
"""
