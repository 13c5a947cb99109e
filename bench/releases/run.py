#!/usr/bin/env python3
"""Releases benchmark: update.check and the EDD endpoint over HTTP, as ratios to the typed
license check route, all against one plinth-host serve in the same run.

    bench/releases/run.py [--host-binary build/release/host_demo/plinth-host] [--out releases.json]
                          [--connections 32] [--duration 10] [--rounds 3]

Never part of the test run. Installs wrk when missing (Debian package), starts a private MariaDB
sandbox and plinth-host serve in a temporary state folder, seeds through the console one product
with a published release and one licence activated on one site, then runs wrk against three
targets, interleaved for --rounds:

  typed_check         GET /v1/licenses/check?key=..&site=..          (plinth.license-check/1)
  update_check        POST /v1/releases/update.check {key, site, product, current_version}
  edd_check_license   POST / edd_action=check_license&license=..&item_id=..&url=.. (form)

The server gets one I/O thread and wrk one thread (on a 2-core machine the load generator needs
the other core). Results are Google Benchmark JSON (requests/s as items_per_second, p50/p99 in
microseconds) reported by bench/report.py --suite releases.
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
UNITS_US = {"us": 1.0, "ms": 1e3, "s": 1e6}


def call(binary, env, module, command, args):
    out = subprocess.run([binary, "call", module, command, json.dumps(args)], env=env, capture_output=True, text=True)
    doc = json.loads(out.stdout)
    if isinstance(doc, dict) and "error" in doc:
        raise SystemExit(f"plinth-host call {module} {command}: {doc['error']}")
    return doc


def seed(binary, env, state):
    user = call(binary, env, "accounts", "register",
                {"email": "bench@example.com", "username": "bench", "first_name": "Bench", "password": "bench password 1"})
    call(binary, env, "licenses", "product.create", {"slug": "bench", "name": "Bench"})
    call(binary, env, "releases", "product.set", {"product": "bench", "name": "Bench Pro", "edd_item_id": 4242})
    package = os.path.join(state, "bench-2.0.0.zip")
    with open(package, "wb") as f:
        f.write(b"PK\x03\x04" + os.urandom(64 * 1024))
    call(binary, env, "releases", "release.publish",
         {"product": "bench", "version": "2.0.0", "package": "@" + package, "changelog": "- faster"})
    policy = call(binary, env, "licenses", "policy.create",
                  {"product": "bench", "name": "bench", "seat_limit": 3, "staging_exempt": False})
    lic = call(binary, env, "licenses", "license.issue", {"user_id": user["user_id"], "policy_id": policy["id"]})
    site = "https://shop.bench-customer.com"
    call(binary, env, "licenses", "activation.activate", {"key": lic["key"], "site": site})
    return lic["key"], site


def wrk_script(path, body, content_type):
    # wrk sends every request with this method, body and header.
    with open(path, "w") as f:
        f.write('wrk.method = "POST"\n')
        f.write("wrk.body = " + json.dumps(body) + "\n")
        f.write('wrk.headers["Content-Type"] = "' + content_type + '"\n')


def parse_wrk(text):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = {}
    for p in ("50", "99"):
        m = re.search(r"^\s+" + p + r"%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        lat[p] = float(m.group(1)) * UNITS_US[m.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    return rps, lat, int(non2xx.group(1)) if non2xx else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host-binary", default=os.path.join(ROOT, "build/release/host_demo/plinth-host"))
    ap.add_argument("--out", default="releases.json")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))

    state = tempfile.mkdtemp(prefix="plinth-releases-bench-")
    env = dict(os.environ, PLINTH_HOME=state)
    env.pop("PLINTH_CONFIG", None)
    unlimited = {"per_minute": 1e9, "burst": 1e9}
    config = {"http": {"listen": "127.0.0.1:0", "threads": 1, "access_log": "off",
                       "rate_limits": {"check": unlimited, "activation": unlimited}},
              "accounts": {"password": {"argon2": {"memory_kib": 1024, "time_cost": 1}}}}
    with open(os.path.join(state, "plinth.json"), "w") as f:
        json.dump(config, f)
    server = None
    try:
        key, site = seed(args.host_binary, env, state)
        server = subprocess.Popen([args.host_binary, "serve"], env=env, stdout=subprocess.PIPE,
                                  stderr=open(os.path.join(state, "serve.log"), "w"), text=True)
        port = int(json.loads(server.stdout.readline())["listening"][0].rsplit(":", 1)[1])
        base = f"http://127.0.0.1:{port}"
        update_body = json.dumps({"key": key, "site": site, "product": "bench", "current_version": "1.0.0"})
        edd_body = urllib.parse.urlencode({"edd_action": "check_license", "license": key, "item_id": "4242",
                                           "url": site})
        wrk_script(os.path.join(state, "update.lua"), update_body, "application/json")
        wrk_script(os.path.join(state, "edd.lua"), edd_body, "application/x-www-form-urlencoded")
        targets = {
            "typed_check": ([], f"{base}/v1/licenses/check?key={urllib.parse.quote(key)}"
                                f"&site={urllib.parse.quote(site, safe='')}"),
            "update_check": (["-s", os.path.join(state, "update.lua")], f"{base}/v1/releases/update.check"),
            "edd_check_license": (["-s", os.path.join(state, "edd.lua")], f"{base}/"),
        }
        # Warm up, and make sure each target answers what it should.
        expect = {"typed_check": b'"VALID"', "update_check": b'"update_available":true',
                  "edd_check_license": b'"license":"valid"'}
        bodies = {"update_check": (update_body.encode(), "application/json"),
                  "edd_check_license": (edd_body.encode(), "application/x-www-form-urlencoded")}
        for name, (_, url) in targets.items():
            data, ctype = bodies.get(name, (None, None))
            req = urllib.request.Request(url, data=data, headers={"Content-Type": ctype} if ctype else {})
            answer = urllib.request.urlopen(req, timeout=10).read()
            if expect[name] not in answer:
                raise SystemExit(f"{name} answered {answer[:300]!r}")

        benchmarks = []
        for r in range(args.rounds):
            for name, (extra, url) in targets.items():
                out = subprocess.run(["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency", *extra,
                                      url], capture_output=True, text=True).stdout
                rps, lat, non2xx = parse_wrk(out)
                print(f"round {r + 1} {name}: {rps:,.0f} req/s, p50 {lat['50']:.0f} us, p99 {lat['99']:.0f} us"
                      + (f", {non2xx} non-2xx" if non2xx else ""), file=sys.stderr)
                stem = f"releases/{name}/c{args.connections}"
                benchmarks.append({"name": stem, "run_name": stem, "run_type": "iteration", "real_time": 1e6 / rps,
                                   "cpu_time": 1e6 / rps, "time_unit": "us", "items_per_second": rps})
                for p in ("50", "99"):
                    benchmarks.append({"name": f"{stem}/p{p}", "run_name": f"{stem}/p{p}", "run_type": "iteration",
                                       "real_time": lat[p], "cpu_time": lat[p], "time_unit": "us"})
        with open(args.out, "w") as f:
            json.dump({"context": {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "num_cpus": os.cpu_count(),
                                   "load_avg": list(os.getloadavg()), "tool": "wrk"},
                       "benchmarks": benchmarks}, f, indent=1)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        subprocess.run([os.path.join(ROOT, "tools/sandbox.sh"), "stop", os.path.join(state, "db")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return subprocess.run([sys.executable, os.path.join(ROOT, "bench/report.py"), args.out, "--suite", "releases"]).returncode


if __name__ == "__main__":
    sys.exit(main())
