"""The ``backupkit-emulator`` command and an in-process server for tests."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any, Sequence

from .settings import SETTINGS


def make_app() -> Any:
    """The WSGI application: moto's dispatcher, patched, behind IAM enforcement and the fault middleware."""
    from . import install

    install()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from .enforce import EnforcementMiddleware
    from .faults import FaultMiddleware

    return FaultMiddleware(EnforcementMiddleware(DomainDispatcherApplication(create_backend_app)))


def _request_handler(log_requests: bool) -> type:
    """moto's request handler; without ``log_requests`` it logs errors only.

    Werkzeug writes one line per request to stderr; a benchmark run makes tens
    of thousands of requests, so the emulator is quiet unless asked.
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    if log_requests:
        return MotoRequestHandler

    class QuietRequestHandler(MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return None

    return QuietRequestHandler


def _make_server(host: str, port: int, log_requests: bool = False) -> Any:
    from werkzeug.serving import make_server

    return make_server(host, port, make_app(), threaded=True, request_handler=_request_handler(log_requests))


class EmulatorServer:
    """Runs the emulator in a background thread (for tests); port 0 picks a free port.

    Quiet by default; ``log_requests=True`` logs every request as werkzeug does.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, log_requests: bool = False):
        self._server = _make_server(host, port, log_requests)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # The clock is process-wide (clock.CLOCK); these are the control endpoint's calls, in-process.
    @staticmethod
    def clock() -> str:
        """The virtual clock's time (ISO 8601 UTC), as ``GET /_backupkit/clock`` answers it."""
        from .clock import CLOCK

        return CLOCK.as_dict()["now"]

    @staticmethod
    def advance(seconds: float) -> str:
        """Move the clock forwards once everything due in between ran; the new time."""
        from .clock import CLOCK

        return CLOCK.control({"advance_seconds": seconds})["now"]

    @staticmethod
    def set_clock(instant: str) -> str:
        """Move the clock forwards to ``instant`` (ISO 8601); ValueError if that is in its past."""
        from .clock import CLOCK

        return CLOCK.control({"now": instant})["now"]

    def start(self) -> "EmulatorServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backupkit-emulator",
        description="A local AWS endpoint (moto + AWS Backup) with faults and latency on demand.",
        epilog="Change settings of a running emulator with POST /_backupkit/settings (JSON body).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, required=True, help="port to listen on (0 picks a free one)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="milliseconds added to every request")
    parser.add_argument("--throttle-rate", type=float, default=0.0,
                        help="fraction of requests answered with the service's throttling error")
    parser.add_argument("--error-rate", type=float, default=0.0,
                        help="fraction of requests answered with HTTP 500 InternalServerError")
    parser.add_argument("--unprocessed-rate", type=float, default=0.0,
                        help="fraction of BatchWriteItem items left unwritten and returned in UnprocessedItems")
    parser.add_argument("--seed", type=int, default=None, help="seed for the fault generator (repeatable runs)")
    parser.add_argument("--job-seconds", type=float, default=1.0,
                        help="seconds a backup or restore job takes from CREATED to COMPLETED (default 1)")
    parser.add_argument("--import-seconds", type=float, default=1.0,
                        help="seconds a DynamoDB ImportTable takes from IN_PROGRESS to its end (default 1)")
    parser.add_argument("--iam-enforce", action="store_true",
                        help="authorise requests signed by IAM users / assumed roles against their policies")
    parser.add_argument("--clock-start", default=None, metavar="ISO",
                        help="start the virtual clock at this ISO 8601 instant (default: real time); "
                             "it ticks with real time from there (GET/POST /_backupkit/clock)")
    parser.add_argument("--log-requests", action="store_true",
                        help="log every request to stderr (default: errors only)")
    return parser


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be a number from 0 to 65535, got {value!r}")
    return port


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        SETTINGS.update(
            {
                "latency_ms": args.latency_ms,
                "throttle_rate": args.throttle_rate,
                "error_rate": args.error_rate,
                "unprocessed_rate": args.unprocessed_rate,
                "seed": args.seed,
                "job_seconds": args.job_seconds,
                "import_seconds": args.import_seconds,
                "iam_enforce": args.iam_enforce,
            }
        )
        if args.clock_start is not None:
            from .clock import CLOCK

            CLOCK.start_at(args.clock_start)
    except ValueError as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    try:
        server = _make_server(args.host, args.port, args.log_requests)
    except OSError as exc:
        print(f"{parser.prog}: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1

    def _stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    host, port = server.server_address[:2]
    print(f"listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
