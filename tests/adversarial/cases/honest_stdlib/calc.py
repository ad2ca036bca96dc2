# Honest code that uses the standard library the way coursework does: several of these call
# sys._getframe, read frames or compile code internally. The audit hook must not flag any of it.
import dataclasses
import enum
import functools
import inspect
import logging
import sys
import traceback
import typing
import warnings
from collections import namedtuple

Point = namedtuple("Point", "x y", defaults=(0,))


class Size(typing.NamedTuple):  # namedtuple sets the defaults of the __new__ it made
    w: int
    h: int = 1


def scale(v, factor=1):
    return v * factor


scale.__defaults__ = (1,)  # a function of its own (pyparsing does this): not the tests' or pytest's
# What libraries do (boltons' make_sentinel): look at their own caller's module.
HERE = sys._getframe(0).f_globals["__name__"]
T = typing.TypeVar("T")
Color = enum.Enum("Color", "RED GREEN")
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Pair:
    a: int
    b: int = 0


def logged(func):
    @functools.wraps(func)
    def wrapper(*args):
        log.warning("calling %s%s", func.__name__, inspect.signature(func))
        return func(*args)

    return wrapper


@logged
def add(a, b):
    try:
        raise ValueError("handled")
    except ValueError:
        traceback.format_exc()
    warnings.warn("a warning", UserWarning, stacklevel=2)
    assert inspect.currentframe().f_code.co_name == "add"
    p = Point(a, b)
    assert Size(1).h == scale(1) == Point(1).y + 1
    return Pair(p.x, p.y).a + b + (0 if Color.RED else 1)


def sub(a, b):
    return a + b


def mul(a, b):
    return a + b
