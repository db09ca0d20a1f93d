"""A minimal OTLP/HTTP collector that prints every span it receives as one JSON line.

The container tests run it in a container of its own, from the image under test (which ships
the OTLP protobuf classes), next to the service on a network, as a real collector would sit:
`python -c "<this file>"`. It listens on port 4318, OTLP/HTTP's default.
"""

import gzip
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

PORT = 4318


class Collector(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path == "/v1/traces":
            for resource_spans in ExportTraceServiceRequest.FromString(body).resource_spans:
                resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        line = {
                            "name": span.name,
                            "server": span.kind == Span.SPAN_KIND_SERVER,
                            "attributes": {a.key: a.value.string_value for a in span.attributes},
                            "service": resource.get("service.name"),
                        }
                        print(json.dumps(line), flush=True)
        # An empty body is a valid, successful Export*ServiceResponse for every signal.
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("", PORT), Collector).serve_forever()
