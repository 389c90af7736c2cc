"""The routing bucket of deployment keys as docs/scoring.md defines it, computed independently of
Sluice: FNV-1a 64 over the UTF-8 bytes of salt + U+001F + key, then the SplitMix64 finalizer,
modulo 10,000. Prints one JSON line: {"KEY": bucket, ...}.

    routing_bucket.py SALT KEY...
"""
import json
import sys

MASK = (1 << 64) - 1


def bucket(salt, key):
    state = 0xCBF29CE484222325
    for byte in (salt + "\x1f" + key).encode():
        state ^= byte
        state = (state * 0x100000001B3) & MASK
    z = (state + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return (z ^ (z >> 31)) % 10000


if __name__ == "__main__":
    print(json.dumps({key: bucket(sys.argv[1], key) for key in sys.argv[2:]}))
