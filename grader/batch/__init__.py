"""Regrading a whole class (the `grader batch` and `grader gradebook` commands are `grader.cli.batch` and
`grader.cli.gradebook`): `jobs` (what to grade, shards), `fingerprint` (content hashes), `store` (the
result store), `runner` (one job, the thread pool); `gradebook` (the table, with `table_cells` and the
`review` list), `verify` (the verified regrade) and `tamper` (protected files against the template). The
containers of this process are tracked by `grader.sandbox.tracking`.

Every submission is graded by `pipeline.grade` (handed in by the command: the batch does not import the
pipeline) in its own hardened container, `--jobs` at a time (default: one per CPU core), from a thread
pool sharing one Docker client. One broken submission never stops the batch: its row says what broke.
Ctrl-C stops cleanly: queued submissions are dropped, running containers are removed, results of
interrupted runs are discarded (never cached as grades), and the gradebook is written for what finished.
A re-run skips every submission whose content hash (submission files, tests, grading config, runner
image, grader code) matches the one stored beside its report, unless --force.

Output folder:
    reports/<name>/report.json   the per-submission report (the `grader run --json` contract)
    reports/<name>/meta.json     content hash, graded commit, submission time and its source
    gradebook.csv, gradebook.md, histogram.png
    checkouts/<name>/            --repos only: the fetched files (no .git)
"""
