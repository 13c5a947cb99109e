#!/usr/bin/env bash
# tools/sandbox.sh start|ensure|stop|status DIR — a private MariaDB server for the demo and the tests.
#
# Unix socket only (no TCP), data under DIR/data, socket DIR/mysqld.sock, log DIR/error.log.
# Idempotent: start on a running sandbox and stop on a stopped one both succeed. `ensure` is
# `start` that prints nothing when the server was already running (what plinth-host runs before
# every command). Creation, start and stop hold an exclusive lock on DIR/sandbox.lock, so hosts
# started together on a fresh state folder install and start one server, not one each.
set -euo pipefail

action=${1:-}
dir=${2:-}
if [[ -z "$action" || -z "$dir" ]]; then
  echo "usage: $0 start|ensure|stop|status DIR" >&2
  exit 2
fi
# Only the owner may reach the socket: the sandbox's root account has no password.
umask 077
mkdir -p "$dir"
chmod 700 "$dir"
dir=$(cd "$dir" && pwd)
mkdir -p "$dir/files"
sock="$dir/mysqld.sock"
pidfile="$dir/mysqld.pid"
user_args=()
[[ $(id -u) -eq 0 ]] && user_args=(--user=root) # mariadbd refuses to run as root otherwise

running() {
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

ready() {
  mariadb --no-defaults -S "$sock" -uroot -e 'SELECT 1' >/dev/null 2>&1
}

# Holds DIR/sandbox.lock (fd 9) until the script exits. Every process started while it is held
# must close fd 9 (`9>&-`), or a long-lived server would keep the lock for ever.
lock() {
  exec 9>"$dir/sandbox.lock"
  if ! flock -w 120 9; then
    echo "another process has held $dir/sandbox.lock for 2 minutes; is a sandbox start stuck?" >&2
    exit 1
  fi
}

case "$action" in
  start|ensure)
    lock
    if running && ready; then
      [[ "$action" == start ]] && echo "sandbox running at $sock"
      exit 0
    fi
    if [[ ! -d "$dir/data/mysql" ]]; then
      # Installed aside and renamed into place: an interrupted install never looks complete.
      rm -rf "$dir/data.installing"
      mariadb-install-db --no-defaults --datadir="$dir/data.installing" --auth-root-authentication-method=normal \
        --skip-test-db "${user_args[@]}" >"$dir/install.log" 2>&1 9>&- ||
        { cat "$dir/install.log" >&2; exit 1; }
      rmdir "$dir/data" 2>/dev/null || true
      if [[ -e "$dir/data" ]]; then
        echo "$dir/data exists but holds no mysql/ folder (an install from an older version was interrupted?);" \
          "move it away to install a fresh sandbox" >&2
        exit 1
      fi
      mv "$dir/data.installing" "$dir/data"
    fi
    rm -f "$sock"
    # Started in its own session so it outlives the shell that launched it.
    setsid mariadbd --no-defaults --datadir="$dir/data" --socket="$sock" --skip-networking \
      --pid-file="$pidfile" --log-error="$dir/error.log" --innodb-buffer-pool-size=128M \
      --innodb-log-file-size=64M --max-allowed-packet=64M --innodb-flush-log-at-trx-commit=2 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --secure-file-priv="$dir/files" \
      "${user_args[@]}" </dev/null >/dev/null 2>&1 9>&- &
    for _ in $(seq 1 300); do
      if ready; then
        echo "sandbox started at $sock"
        exit 0
      fi
      sleep 0.1
    done
    echo "sandbox did not become ready; see $dir/error.log" >&2
    tail -n 20 "$dir/error.log" >&2 || true
    exit 1
    ;;
  stop)
    lock
    if running; then
      pid=$(cat "$pidfile")
      mariadb-admin --no-defaults -S "$sock" -uroot shutdown >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
    echo "sandbox stopped"
    ;;
  status)
    if running && ready; then
      echo "running at $sock"
    else
      echo "stopped"
      exit 3
    fi
    ;;
  *)
    echo "usage: $0 start|ensure|stop|status DIR" >&2
    exit 2
    ;;
esac
