"""Sends raw HTTP/1.1 requests on one connection and prints the responses as JSON.

Usage: http_exchange.py HOST PORT REQUESTS.json pipelined|sequential|bytewise|halfclosed
  pipelined:  every request in one write, then the responses read in order;
  sequential: each request written after the previous response was read;
  bytewise:   as sequential, each request written one byte per write;
  halfclosed: as sequential, the connection's write side shut down after the last request.
Prints [{"status": int, "headers": {lowercased name: value, Date left out}, "body": str}, ...]
on its last line.
"""
import json
import socket
import sys


def read_response(stream):
    status_line = stream.readline()
    if not status_line:
        raise SystemExit("the server closed the connection before answering")
    status = int(status_line.split()[1])
    headers = {}
    while True:
        line = stream.readline()
        if line in (b"\r\n", b""):
            break
        name, value = line.decode("latin-1").split(":", 1)
        headers[name.strip().lower()] = value.strip()
    body = stream.read(int(headers.get("content-length", "0")))
    headers.pop("date", None)
    return {"status": status, "headers": headers, "body": body.decode("utf-8")}


def main():
    host, port, path, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    with open(path) as handle:
        requests = json.load(handle)
    connection = socket.create_connection((host, port), timeout=10)
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stream = connection.makefile("rb")
    responses = []
    if mode == "pipelined":
        connection.sendall("".join(requests).encode("utf-8"))
        responses = [read_response(stream) for _ in requests]
    else:
        for number, request in enumerate(requests):
            data = request.encode("utf-8")
            if mode == "bytewise":
                for index in range(len(data)):
                    connection.sendall(data[index:index + 1])
            else:
                connection.sendall(data)
            if mode == "halfclosed" and number == len(requests) - 1:
                connection.shutdown(socket.SHUT_WR)
            responses.append(read_response(stream))
    connection.close()
    print(json.dumps(responses))


if __name__ == "__main__":
    main()
