# An honest helper module of the submission that happens to share a name with a file of the grader.
MINE = "supervisor"
