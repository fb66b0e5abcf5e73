"""A local SMTP server that stores every message it receives as DIR/<n>.eml (aiosmtpd, a test tool).

Used by scripts/smoke_production.sh and the e-mail test: `python scripts/smtp_sink.py PORT DIR`. Listens on
127.0.0.1 only and stops on SIGTERM."""

import signal
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, folder: Path):
        self.folder, self.count = folder, 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.count += 1
        (self.folder / f"{self.count:05d}.eml").write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Store(folder), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"SMTP sink on 127.0.0.1:{port} -> {folder}", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
