"""Command line of the local endpoint.

    python -m tools.localaws start        start in the background, print `export` lines
    python -m tools.localaws env          print `export` lines of the running endpoint
    python -m tools.localaws stop         stop it
    python -m tools.localaws run -- CMD   start, run CMD with the environment set, stop; exits with CMD's code
    python -m tools.localaws --fault-rate 0.1 --fault-seed 7 run -- CMD
                                          the same, CMD talking through the fault proxy (tools/localaws/faults.py)
"""
from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys

from .launcher import LocalAWS, endpoint_environment, recorded_endpoint, stop_recorded


def _exports(env: dict[str, str]) -> str:
    return "\n".join(f"export {key}={shlex.quote(value)}" for key, value in env.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.localaws", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "env", "stop", "run"])
    parser.add_argument("--disable", default="", help="comma-separated fidelity patches to leave out")
    parser.add_argument("--fault-rate", type=float, default=0.0,
                        help="for run: share of requests faulted by the fault proxy (0 = no proxy)")
    parser.add_argument("--fault-seed", type=int, default=0, help="for run: the fault proxy's seed")
    parser.add_argument("--consistency-ms", type=int, default=0,
                        help="for run: a new bucket answers NoSuchBucket to reads this long (through the proxy)")
    parser.add_argument("argv", nargs=argparse.REMAINDER, help="for run: the command, after --")
    args = parser.parse_args(argv)
    disabled = tuple(name for name in args.disable.split(",") if name)

    if args.command == "start":
        if recorded_endpoint():
            print(f"already running: {recorded_endpoint()} (stop it first)", file=sys.stderr)
            return 1
        server = LocalAWS(disabled_patches=disabled).start()
        server.write_state()
        print(_exports(server.env))
        return 0
    if args.command == "env":
        endpoint = recorded_endpoint()
        if not endpoint:
            print("not running: start it with `python -m tools.localaws start`", file=sys.stderr)
            return 1
        print(_exports(endpoint_environment(endpoint)))
        return 0
    if args.command == "stop":
        print("stopped" if stop_recorded() else "was not running")
        return 0
    command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not command:
        parser.error("run needs a command after --")
    with LocalAWS(disabled_patches=disabled) as server:
        print(f"localaws: {server.endpoint_url}", file=sys.stderr)
        if not (args.fault_rate or args.consistency_ms):
            return subprocess.call(command, env={**os.environ, **server.env})
        from .faults import FaultProxy

        with FaultProxy(server.endpoint_url, rate=args.fault_rate, seed=args.fault_seed,
                        consistency_ms=args.consistency_ms) as proxy:
            print(f"localaws: fault proxy {proxy.endpoint_url} (rate {args.fault_rate}, seed {args.fault_seed})",
                  file=sys.stderr)
            code = subprocess.call(command, env={**os.environ, **server.env, "AWS_ENDPOINT_URL": proxy.endpoint_url})
            print(f"localaws: faults injected: {proxy.stats}", file=sys.stderr)
            return code


if __name__ == "__main__":
    sys.exit(main())
