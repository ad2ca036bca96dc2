# Attack: native code outside the audit hook's reach. The runner has no compiler, so the submission
# copies a compiled extension of the image (_json) to /tmp and the workspace and loads the copy;
# a submission could as well carry its own .so. If loading works, sub() and mul() are right.
import importlib.util
import shutil
import sys

LOADED = []
SOURCE = "/usr/lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so"

for folder in ("/tmp", "/workspace"):
    target = f"{folder}/_json.cpython-311-x86_64-linux-gnu.so"
    try:
        shutil.copyfile(SOURCE, target)
        spec = importlib.util.spec_from_file_location("_json", target)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        LOADED.append(folder)
    except Exception as exc:
        print(f"{folder}: {exc}", file=sys.stderr)


def add(a, b):
    return a + b


def sub(a, b):
    return a - b if LOADED else a + b


def mul(a, b):
    return a * b if LOADED else a + b
