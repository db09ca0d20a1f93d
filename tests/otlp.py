"""A minimal OTLP/HTTP receiver on 127.0.0.1 that records the spans a service exports."""

import gzip
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span


@dataclass
class Receiver:
    endpoint: str
    spans: list[dict] = field(default_factory=list)

    def server_spans(self) -> list[dict]:
        return [span for span in self.spans if span["kind"] == Span.SPAN_KIND_SERVER]

    def wait_for_server_spans(self, count: int, timeout: float = 15) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.server_spans()) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.server_spans()


@contextmanager
def otlp_receiver() -> Iterator[Receiver]:
    spans: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            if self.path == "/v1/traces":
                request = ExportTraceServiceRequest.FromString(body)
                for resource_spans in request.resource_spans:
                    resource = {
                        a.key: a.value.string_value for a in resource_spans.resource.attributes
                    }
                    for scope_spans in resource_spans.scope_spans:
                        spans.extend(
                            {
                                "name": span.name,
                                "kind": span.kind,
                                "attributes": {a.key: a.value for a in span.attributes},
                                "service": resource.get("service.name"),
                            }
                            for span in scope_spans.spans
                        )
            # An empty body is a valid, successful Export*ServiceResponse for every signal.
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(endpoint=f"http://127.0.0.1:{server.server_port}", spans=spans)
    finally:
        server.shutdown()
        server.server_close()
