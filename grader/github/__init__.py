"""The GitHub edge: the job's context (`settings`), the client (`client`), workflow commands
(`commands`), the annotation policy (`annotations`), what `grader post` sends (`payloads`) and how
(`poster`), push times of repositories (`activity`) and Classroom's roster (`roster`).

Nothing is imported here: githubkit takes a while to import and `grader run` needs only `settings`
and `commands`.
"""
