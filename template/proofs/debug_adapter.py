"""The client side of the Debug Adapter Protocol, as far as an editor goes to attach."""

import json
import socket

from tests.support.engine import poll


class DebugAdapterClient:
    """Framed JSON messages (`Content-Length: N\\r\\n\\r\\n{...}`) over one TCP connection."""

    def __init__(self, port: int, timeout: float = 30) -> None:
        """Connect and complete the `initialize` handshake, whose answer is `self.initialized`.

        Retried until the deadline: a published port accepts connections before debugpy in the
        container listens (the engine's port proxy then closes them).
        """

        def attached() -> bool:
            self.buffer, self.seq, self.events = b"", 0, []
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
            try:
                self.initialized = self.request("initialize", adapterID="debugpy")
            except OSError:  # ConnectionError included; poll tries again
                self.sock.close()
                raise
            return True

        if not poll(attached, timeout):
            raise ConnectionError(f"no debug adapter answered on 127.0.0.1:{port}")

    def send(self, command: str, **arguments: object) -> int:
        """Send a request without waiting for its response; returns its sequence number."""
        self.seq += 1
        body = json.dumps(
            {"seq": self.seq, "type": "request", "command": command, "arguments": arguments}
        ).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        return self.seq

    def request(self, command: str, **arguments: object) -> dict:
        """Send a request and return its response; events that arrive first are kept."""
        seq = self.send(command, **arguments)
        while True:
            message = self.receive()
            if message["type"] == "response" and message["request_seq"] == seq:
                return message
            self.events.append(message)

    def wait_for_event(self, name: str) -> dict:
        while not any(event.get("event") == name for event in self.events):
            self.events.append(self.receive())
        return next(event for event in self.events if event.get("event") == name)

    def receive(self) -> dict:
        while b"\r\n\r\n" not in self.buffer:
            self.read()
        header, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        length = int(header.split(b":", 1)[1])
        while len(self.buffer) < length:
            self.read()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return json.loads(body)

    def read(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the debug adapter closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()
