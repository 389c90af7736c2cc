"""Digest of every Redis hash under a key prefix: keys sorted, fields sorted, values as stored,
TTLs left out. Prints the number of keys and the first 16 hex digits of a SHA-256.

Usage: redis_digest.py PREFIX [PORT]
"""
import hashlib
import socket
import sys


def command(*arguments):
    out = b"*%d\r\n" % len(arguments)
    for argument in arguments:
        data = argument if isinstance(argument, bytes) else str(argument).encode()
        out += b"$%d\r\n%s\r\n" % (len(data), data)
    return out


def read(stream):
    line = stream.readline()
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b"-"):
        return rest
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else stream.read(size + 2)[:-2]
    if kind == b"*":
        size = int(rest)
        return None if size < 0 else [read(stream) for _ in range(size)]
    raise ValueError(f"unexpected reply {line!r}")


def main():
    prefix = sys.argv[1].encode()
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 6379
    connection = socket.create_connection(("127.0.0.1", port))
    stream = connection.makefile("rb")
    keys, cursor = [], b"0"
    while True:
        connection.sendall(command("SCAN", cursor, "MATCH", prefix + b"*", "COUNT", 5000))
        cursor, batch = read(stream)
        keys += batch
        if cursor == b"0":
            break
    keys.sort()
    digest = hashlib.sha256()
    for start in range(0, len(keys), 1000):
        chunk = keys[start:start + 1000]
        connection.sendall(b"".join(command("HGETALL", key) for key in chunk))
        for key in chunk:
            items = read(stream)
            digest.update(key[len(prefix):] + b"\0")
            for field, value in sorted(zip(items[0::2], items[1::2])):
                digest.update(field + b"\0" + value + b"\0")
    print(len(keys), digest.hexdigest()[:16])


main()
