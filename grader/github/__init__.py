"""The GitHub edge: the job's context (`settings`), the client (`client`), workflow commands
(`commands`), the annotation policy (`annotations`), what `grader post` sends (`payloads`) and how
(`poster`), the submission time of a run (`push_time`), push times of repositories (`activity`),
fetching repositories with git (`repos`) and Classroom's roster (`roster`).

Nothing is imported here: githubkit takes a while to import and `grader run` needs only `settings`
and `commands`.
"""
