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
items_per_second, p50/p99 as real_time in microseconds) and reported by bench/report.py.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def ensure_tools():
    missing = [p for p, tool in (("wrk", "wrk"), ("nginx-light", "nginx")) if shutil.which(tool) is None
               and not os.path.exists("/usr/sbin/" + tool)]
    if missing:
        print("installing " + " ".join(missing), file=sys.stderr)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing, check=True, env=env)


def cli(binary, env, *args):
    out = subprocess.run([binary, "call", *args], env=env, capture_output=True, text=True)
    doc = json.loads(out.stdout)
    if "error" in doc:
        raise SystemExit(f"plinth-host call {' '.join(args)}: {doc['error']}")
    return doc


def seed(binary, env):
    user = cli(binary, env, "accounts", "register", json.dumps(
        {"email": "bench@example.com", "username": "bench", "first_name": "Bench", "password": "bench password 1"}))
    cli(binary, env, "licenses", "product.create", json.dumps({"slug": "bench", "name": "Bench"}))
    policy = cli(binary, env, "licenses", "policy.create", json.dumps(
        {"product": "bench", "name": "bench", "seat_limit": 3, "staging_exempt": False}))
    lic = cli(binary, env, "licenses", "license.issue", json.dumps({"user_id": user["user_id"], "policy_id": policy["id"]}))
    site = "https://shop.example.com"
    cli(binary, env, "licenses", "activation.activate", json.dumps({"key": lic["key"], "site": site}))
    return lic["key"], site


UNITS_US = {"us": 1.0, "ms": 1e3, "s": 1e6}


def parse_wrk(text):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = {}
    for p in ("50", "99"):
        m = re.search(r"^\s+" + p + r"%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        lat[p] = float(m.group(1)) * UNITS_US[m.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*", text)
    return rps, lat, (int(non2xx.group(1)) if non2xx else 0), (errors.group(0) if errors else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host-binary", default=os.path.join(ROOT, "build/release/host_demo/plinth-host"))
    ap.add_argument("--out", default="http.json")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    ensure_tools()

    state = tempfile.mkdtemp(prefix="plinth-http-bench-")
    env = dict(os.environ, PLINTH_HOME=state)
    env.pop("PLINTH_CONFIG", None)
    config = {"http": {"listen": "127.0.0.1:0", "threads": 1, "access_log": "off",
                       "rate_limits": {"check": {"per_minute": 1e9, "burst": 1e9}}},
              "accounts": {"password": {"argon2": {"memory_kib": 1024, "time_cost": 1}}}}
    with open(os.path.join(state, "plinth.json"), "w") as f:
        json.dump(config, f)
    processes = []
    try:
        key, site = seed(args.host_binary, env)
        server = subprocess.Popen([args.host_binary, "serve"], env=env, stdout=subprocess.PIPE,
                                  stderr=open(os.path.join(state, "serve.log"), "w"), text=True)
        processes.append(server)
        port = int(json.loads(server.stdout.readline())["listening"][0].rsplit(":", 1)[1])

        www = os.path.join(state, "www")
        os.makedirs(www)
        with open(os.path.join(www, "ok"), "w") as f:
            f.write('{"status":"ok"}')
        nginx_port = port + 1 if port < 65535 else port - 1
        conf = os.path.join(state, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""worker_processes 1; daemon off; pid {state}/nginx.pid; error_log {state}/nginx.err;
events {{ worker_connections 4096; }}
http {{ access_log off; keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{nginx_port}; root {www}; location / {{ default_type application/json; }} }} }}
""")
        nginx = subprocess.Popen(["nginx", "-c", conf, "-p", state], stderr=subprocess.DEVNULL)
        processes.append(nginx)

        check_url = (f"http://127.0.0.1:{port}/v1/licenses/check?key={urllib.parse.quote(key)}"
                     f"&site={urllib.parse.quote(site, safe='')}")
        targets = {"check_cached": check_url, "healthz": f"http://127.0.0.1:{port}/healthz",
                   "nginx_static": f"http://127.0.0.1:{nginx_port}/ok"}
        for name, url in targets.items():  # warm up; the check is now cached
            for _ in range(50):
                try:
                    body = urllib.request.urlopen(url, timeout=5).read()
                    break
                except OSError:
                    time.sleep(0.1)
            if name == "check_cached" and b'"VALID"' not in body:
                raise SystemExit(f"the check is not VALID: {body!r}")

        benchmarks = []
        for r in range(args.rounds):
            for name, url in targets.items():
                out = subprocess.run(["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency", url],
                                     capture_output=True, text=True).stdout
                rps, lat, non2xx, errors = parse_wrk(out)
                print(f"round {r + 1} {name}: {rps:,.0f} req/s, p50 {lat['50']:.0f} us, p99 {lat['99']:.0f} us"
                      + (f", {non2xx} non-2xx" if non2xx else "") + (f", {errors}" if errors else ""), file=sys.stderr)
                base = f"http/{name}/c{args.connections}"
                benchmarks.append({"name": base, "run_name": base, "run_type": "iteration", "real_time": 1e6 / rps,
                                   "cpu_time": 1e6 / rps, "time_unit": "us", "items_per_second": rps})
                for p in ("50", "99"):
                    benchmarks.append({"name": f"{base}/p{p}", "run_name": f"{base}/p{p}", "run_type": "iteration",
                                       "real_time": lat[p], "cpu_time": lat[p], "time_unit": "us"})
        doc = {"context": {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "num_cpus": os.cpu_count(),
                           "load_avg": list(os.getloadavg()), "tool": "wrk"},
               "benchmarks": benchmarks}
        with open(args.out, "w") as f:
            json.dump(doc, f, indent=1)
    finally:
        for p in reversed(processes):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        subprocess.run([os.path.join(ROOT, "tools/sandbox.sh"), "stop", os.path.join(state, "db")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return subprocess.run([sys.executable, os.path.join(ROOT, "bench/report.py"), args.out, "--suite", "http"]).returncode


if __name__ == "__main__":
    sys.exit(main())
