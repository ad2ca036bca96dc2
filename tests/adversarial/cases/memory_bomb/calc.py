# Attack: allocate (and touch) memory until something gives.
def add(a, b):
    return a + b


def sub(a, b):
    blocks = []
    while True:
        blocks.append(bytearray(16 * 2**20))


def mul(a, b):
    return a + b
