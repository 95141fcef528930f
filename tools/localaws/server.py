"""The endpoint process: apply the fidelity patches to moto, then serve on a free loopback port.

Run through the launcher (``python -m tools.localaws start``), not directly.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from werkzeug.serving import make_server

from . import runtime
from .patches import apply_patches

LOOPBACK = "127.0.0.1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--ready-file", required=True, help="written with the endpoint URL once serving")
    parser.add_argument("--disable", default="", help="comma-separated patch names to leave out")
    args = parser.parse_args(argv)

    # moto reads its settings at import time; import it only after the patch list is known.
    from moto.moto_server.threaded_moto_server import MotoRequestHandler
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    applied = apply_patches(disabled={name for name in args.disable.split(",") if name})
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(LOOPBACK, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    runtime.ENDPOINT_URL = f"http://{LOOPBACK}:{server.server_address[1]}"

    def shut_down(*_):
        runtime.shut_down()
        sys.exit(0)

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    print(f"localaws: serving {runtime.ENDPOINT_URL} with patches: {', '.join(applied) or 'none'}", flush=True)
    # Written aside and renamed: the launcher polls for the file and must never read it half-written.
    ready_file = Path(args.ready_file)
    partial_file = ready_file.with_name(ready_file.name + ".partial")
    partial_file.write_text(json.dumps({"endpoint_url": runtime.ENDPOINT_URL, "patches": applied}))
    partial_file.replace(ready_file)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
