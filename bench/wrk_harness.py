"""What the HTTP benchmarks share: a private plinth-host serve, wrk rounds, Google Benchmark JSON.

bench/http/run.py and bench/releases/run.py import this module. It installs missing Debian
packages, runs console calls, starts `plinth-host serve` in a temporary state folder (its own
MariaDB sandbox, one I/O thread: on a 2-core machine wrk needs the other core), runs wrk against
named targets interleaved for a number of rounds, and writes the results in the Google Benchmark
JSON format that bench/report.py compares against each suite's ratios.json.
"""
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_HOST = os.path.join(ROOT, "build/release/host_demo/plinth-host")
UNITS_US = {"us": 1.0, "ms": 1e3, "s": 1e6}
# The benchmarks measure the server, not its abuse protection.
UNLIMITED = {"per_minute": 1e9, "burst": 1e9}


def ensure_packages(*tools):
    """Installs the Debian package of each (package, executable) pair whose executable is missing."""
    missing = [pkg for pkg, exe in tools if shutil.which(exe) is None and not os.path.exists("/usr/sbin/" + exe)]
    if missing:
        print("installing " + " ".join(missing), file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing, check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def console(binary, env, module, command, args):
    """One `plinth-host call` as the console operator; exits on an error answer."""
    out = subprocess.run([binary, "call", module, command, json.dumps(args)], env=env, capture_output=True, text=True)
    doc = json.loads(out.stdout)
    if isinstance(doc, dict) and "error" in doc:
        raise SystemExit(f"plinth-host call {module} {command}: {doc['error']}")
    return doc



def activated_licence(binary, env, site):
    """Seeds a customer, the product "bench" with a 3-seat policy, and one licence activated on
    `site`, through the console; returns the licence key."""
    user = console(binary, env, "accounts", "register",
                   {"email": "bench@example.com", "username": "bench", "first_name": "Bench",
                    "password": "bench password 1"})
    console(binary, env, "licenses", "product.create", {"slug": "bench", "name": "Bench"})
    policy = console(binary, env, "licenses", "policy.create",
                     {"product": "bench", "name": "bench", "seat_limit": 3, "staging_exempt": False})
    lic = console(binary, env, "licenses", "license.issue", {"user_id": user["user_id"], "policy_id": policy["id"]})
    console(binary, env, "licenses", "activation.activate", {"key": lic["key"], "site": site})
    return lic["key"]

@contextlib.contextmanager
def served(binary, prefix, rate_limits, seed):
    """Yields (state folder, env, port, seeded) for a running `plinth-host serve`.

    `seed(binary, env, state)` runs through the console before the server starts and its result
    is yielded as `seeded`. `rate_limits` names the route classes to leave unlimited. Everything
    started here (the server, the sandbox, any process appended to `state_processes`) is stopped
    on the way out."""
    state = tempfile.mkdtemp(prefix=prefix)
    env = dict(os.environ, PLINTH_HOME=state)
    env.pop("PLINTH_CONFIG", None)
    config = {"http": {"listen": "127.0.0.1:0", "threads": 1, "access_log": "off",
                       "rate_limits": {name: UNLIMITED for name in rate_limits}},
              "accounts": {"password": {"argon2": {"memory_kib": 1024, "time_cost": 1}}}}
    with open(os.path.join(state, "plinth.json"), "w") as f:
        json.dump(config, f)
    server = None
    try:
        seeded = seed(binary, env, state)
        server = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE,
                                  stderr=open(os.path.join(state, "serve.log"), "w"), text=True)
        port = int(json.loads(server.stdout.readline())["listening"][0].rsplit(":", 1)[1])
        yield state, env, port, seeded
    finally:
        if server is not None:
            stop(server)
        subprocess.run([os.path.join(ROOT, "tools/sandbox.sh"), "stop", os.path.join(state, "db")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def post_script(path, body, content_type):
    """A wrk Lua script that sends every request as a POST of `body`; returns wrk's extra arguments."""
    with open(path, "w") as f:
        f.write('wrk.method = "POST"\n')
        f.write("wrk.body = " + json.dumps(body) + "\n")
        f.write('wrk.headers["Content-Type"] = "' + content_type + '"\n')
    return ["-s", path]


def parse_wrk(text):
    """Requests/s, {"50": us, "99": us}, non-2xx count and the socket-error line of one wrk run."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = {}
    for p in ("50", "99"):
        m = re.search(r"^\s+" + p + r"%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        lat[p] = float(m.group(1)) * UNITS_US[m.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*", text)
    return rps, lat, (int(non2xx.group(1)) if non2xx else 0), (errors.group(0) if errors else "")


def run_rounds(suite, targets, rounds, connections, duration):
    """Runs wrk against every target of {name: (extra wrk args, url)}, interleaved for `rounds`,
    and returns Google Benchmark entries: suite/name/cN (requests/s) and its /p50 and /p99."""
    benchmarks = []
    for r in range(rounds):
        for name, (extra, url) in targets.items():
            out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", *extra, url],
                                 capture_output=True, text=True).stdout
            rps, lat, non2xx, errors = parse_wrk(out)
            print(f"round {r + 1} {name}: {rps:,.0f} req/s, p50 {lat['50']:.0f} us, p99 {lat['99']:.0f} us"
                  + (f", {non2xx} non-2xx" if non2xx else "") + (f", {errors}" if errors else ""), file=sys.stderr)
            stem = f"{suite}/{name}/c{connections}"
            benchmarks.append({"name": stem, "run_name": stem, "run_type": "iteration", "real_time": 1e6 / rps,
                               "cpu_time": 1e6 / rps, "time_unit": "us", "items_per_second": rps})
            for p in ("50", "99"):
                benchmarks.append({"name": f"{stem}/p{p}", "run_name": f"{stem}/p{p}", "run_type": "iteration",
                                   "real_time": lat[p], "cpu_time": lat[p], "time_unit": "us"})
    return benchmarks


def write_and_report(path, benchmarks, suite):
    """Writes the Google Benchmark JSON and returns bench/report.py's exit status for `suite`."""
    with open(path, "w") as f:
        json.dump({"context": {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "num_cpus": os.cpu_count(),
                               "load_avg": list(os.getloadavg()), "tool": "wrk"},
                   "benchmarks": benchmarks}, f, indent=1)
    return subprocess.run([sys.executable, os.path.join(ROOT, "bench/report.py"), path, "--suite", suite]).returncode
