# Attack: results equal to anything. The tests compare with ==, so they pass: that is what they
# ask, and the score says so; the static scan reports the trick (also with a computed name).
class Anything:
    def __eq__(self, other):
        return True

    def __hash__(self):
        return 0


class Whatever:
    pass


setattr(Whatever, "__e" + "q__", lambda self, other: True)


def add(a, b):
    return a + b


def sub(a, b):
    return Anything()


def mul(a, b):
    return Whatever()
