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
microseconds) reported by bench/report.py --suite releases (bench/wrk_harness.py holds what
this shares with the other HTTP benchmarks).
"""
import argparse
import json
import os
import sys
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import wrk_harness as wh  # noqa: E402


def seed(binary, env, state):
    site = "https://shop.bench-customer.com"
    key = wh.activated_licence(binary, env, site)
    wh.console(binary, env, "releases", "product.set", {"product": "bench", "name": "Bench Pro", "edd_item_id": 4242})
    package = os.path.join(state, "bench-2.0.0.zip")
    with open(package, "wb") as f:
        f.write(b"PK\x03\x04" + os.urandom(64 * 1024))
    wh.console(binary, env, "releases", "release.publish",
               {"product": "bench", "version": "2.0.0", "package": "@" + package, "changelog": "- faster"})
    return key, site


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host-binary", default=wh.DEFAULT_HOST)
    ap.add_argument("--out", default="releases.json")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    wh.ensure_packages(("wrk", "wrk"))

    with wh.served(args.host_binary, "plinth-releases-bench-", ["check", "activation"], seed) as (
            state, _, port, (key, site)):
        base = f"http://127.0.0.1:{port}"
        update_body = json.dumps({"key": key, "site": site, "product": "bench", "current_version": "1.0.0"})
        edd_body = urllib.parse.urlencode({"edd_action": "check_license", "license": key, "item_id": "4242",
                                           "url": site})
        targets = {
            "typed_check": ([], f"{base}/v1/licenses/check?key={urllib.parse.quote(key)}"
                                f"&site={urllib.parse.quote(site, safe='')}"),
            "update_check": (wh.post_script(os.path.join(state, "update.lua"), update_body, "application/json"),
                             f"{base}/v1/releases/update.check"),
            "edd_check_license": (wh.post_script(os.path.join(state, "edd.lua"), edd_body,
                                                 "application/x-www-form-urlencoded"), f"{base}/"),
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
        benchmarks = wh.run_rounds("releases", targets, args.rounds, args.connections, args.duration)
    return wh.write_and_report(args.out, benchmarks, "releases")


if __name__ == "__main__":
    sys.exit(main())
