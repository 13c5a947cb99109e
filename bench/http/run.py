#!/usr/bin/env python3
"""HTTP benchmark: plinth-host serve under wrk, against nginx serving a static file, same run.

    bench/http/run.py [--host-binary build/release/host_demo/plinth-host] [--out http.json]
                      [--connections 64] [--duration 10] [--rounds 3]

Never part of the test run. Installs wrk and nginx-light when missing (Debian packages), starts a
private MariaDB sandbox and plinth-host serve in a temporary state folder, seeds one activated
license through the console, then runs wrk against three targets, interleaved for --rounds:

  check_cached   GET /v1/licenses/check?key=..&site=.. (the verdict is cached after the first)
  healthz        GET /healthz (a route that does nothing)
  nginx_static   nginx, one worker, serving a 15-byte file on another loopback port

The server and nginx get one thread/worker each and wrk one thread: on a 2-core machine the load
generator needs the other core. Results are written as Google Benchmark JSON (requests/s as
items_per_second, p50/p99 as real_time in microseconds) and reported by bench/report.py
(bench/wrk_harness.py holds what this shares with the other HTTP benchmarks).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import wrk_harness as wh  # noqa: E402


def seed(binary, env, state):
    site = "https://shop.example.com"
    return wh.activated_licence(binary, env, site), site


def start_nginx(state, port):
    """nginx, one worker, serving a 15-byte JSON file on `port`: the practical ceiling here."""
    # nginx's worker runs as an unprivileged user: the file lives outside the private state folder.
    www = tempfile.mkdtemp(prefix="plinth-http-bench-www-")
    os.chmod(www, 0o755)
    with open(os.path.join(www, "ok"), "w") as f:
        f.write('{"status":"ok"}')
    os.chmod(os.path.join(www, "ok"), 0o644)
    conf = os.path.join(state, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1; daemon off; pid {state}/nginx.pid; error_log {state}/nginx.err;
events {{ worker_connections 4096; }}
http {{ access_log off; keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{port}; root {www}; location / {{ default_type application/json; }} }} }}
""")
    return subprocess.Popen(["nginx", "-c", conf, "-p", state], stderr=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host-binary", default=wh.DEFAULT_HOST)
    ap.add_argument("--out", default="http.json")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    wh.ensure_packages(("wrk", "wrk"), ("nginx-light", "nginx"))

    with wh.served(args.host_binary, "plinth-http-bench-", ["check"], seed) as (state, _, port, (key, site)):
        nginx_port = port + 1 if port < 65535 else port - 1
        nginx = start_nginx(state, nginx_port)
        try:
            check_url = (f"http://127.0.0.1:{port}/v1/licenses/check?key={urllib.parse.quote(key)}"
                         f"&site={urllib.parse.quote(site, safe='')}")
            targets = {"check_cached": ([], check_url), "healthz": ([], f"http://127.0.0.1:{port}/healthz"),
                       "nginx_static": ([], f"http://127.0.0.1:{nginx_port}/ok")}
            for name, (_, url) in targets.items():  # warm up; the check is now cached
                for _ in range(50):
                    try:
                        body = urllib.request.urlopen(url, timeout=5).read()
                        break
                    except OSError:
                        time.sleep(0.1)
                expected = {"check_cached": b'"VALID"', "healthz": b'"ok"', "nginx_static": b'{"status":"ok"}'}[name]
                if expected not in body:  # urlopen raised already for a non-2xx status
                    raise SystemExit(f"{name} answered {body!r}")
            benchmarks = wh.run_rounds("http", targets, args.rounds, args.connections, args.duration)
        finally:
            wh.stop(nginx)
    return wh.write_and_report(args.out, benchmarks, "http")


if __name__ == "__main__":
    sys.exit(main())
