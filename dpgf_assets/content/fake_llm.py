"""A fake OpenAI-compatible chat-completions endpoint on 127.0.0.1 (tests, benchmarks, demos).

It answers after ``latency`` seconds with a short French note built from the facts in the prompt,
and first plays a script of faults: an HTTP status (with ``Retry-After``), a delay longer than the
client's timeout, or a malformed body. Every request it received is kept for assertions.

    python -m dpgf_assets.content.fake_llm --port 8765 --latency 0.1
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Fault:
    status: int = 200
    retry_after: str | None = None
    delay: float = 0.0  # seconds before answering (beyond a client's timeout: a timeout)
    body: str | None = None  # sent as is instead of a proper answer


def _answer(payload: dict) -> str:
    """A note built from the facts the prompt carries (the JSON after 'Faits (JSON) :')."""
    user = next(m["content"] for m in payload["messages"] if m["role"] == "user")
    facts = json.loads(user.split("Faits (JSON) :\n", 1)[1])
    criteria = user.split("\n", 1)[0]
    return (f"Note (modèle de test) – {facts['name']}. {criteria} Le dossier compte {len(facts['documents'])} "
            f"documents ; montant moins-disant : {facts['lowest_total']} € HT ; {facts['outliers_low']} prix "
            f"anormalement bas, {facts['outliers_high']} élevés.")


class FakeChatEndpoint:
    def __init__(self, latency: float = 0.0, faults: list[Fault] | None = None, port: int = 0) -> None:
        self.latency = latency
        self.faults = list(faults or [])
        self.requests: list[dict] = []  # {"headers": {...}, "body": {...}}
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms delayed ACK)

            def log_message(self, *args) -> None:  # noqa: ANN002 - quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                with endpoint._lock:
                    endpoint.requests.append({"path": self.path, "headers": dict(self.headers),
                                              "body": json.loads(raw or b"{}")})
                    fault = endpoint.faults.pop(0) if endpoint.faults else Fault()
                time.sleep(fault.delay or endpoint.latency)
                if self.path.rstrip("/").endswith("/chat/completions") is False:
                    fault = Fault(status=404, body='{"error": "not found"}')
                if fault.body is not None:
                    text = fault.body
                elif fault.status != 200:
                    text = json.dumps({"error": {"message": "fake fault", "code": fault.status}}, allow_nan=False)
                else:
                    content = _answer(endpoint.requests[-1]["body"])
                    text = json.dumps({"id": "fake", "object": "chat.completion", "model": "fake",
                                       "choices": [{"index": 0, "finish_reason": "stop",
                                                    "message": {"role": "assistant", "content": content}}]},
                                      ensure_ascii=False, allow_nan=False)
                data = text.encode("utf-8")
                try:
                    self.send_response(fault.status)
                    if fault.retry_after is not None:
                        self.send_header("Retry-After", fault.retry_after)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> "FakeChatEndpoint":
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-llm", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    with FakeChatEndpoint(latency=args.latency, port=args.port) as endpoint:
        print(endpoint.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
