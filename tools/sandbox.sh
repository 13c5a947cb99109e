#!/usr/bin/env bash
# tools/sandbox.sh start|stop|status DIR — a private MariaDB server for the demo and the tests.
#
# Unix socket only (no TCP), data under DIR/data, socket DIR/mysqld.sock, log DIR/error.log.
# Idempotent: start on a running sandbox and stop on a stopped one both succeed.
set -euo pipefail

action=${1:-}
dir=${2:-}
if [[ -z "$action" || -z "$dir" ]]; then
  echo "usage: $0 start|stop|status DIR" >&2
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

case "$action" in
  start)
    if running && ready; then
      echo "sandbox running at $sock"
      exit 0
    fi
    if [[ ! -d "$dir/data/mysql" ]]; then
      mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
        --skip-test-db "${user_args[@]}" >"$dir/install.log" 2>&1 ||
        { cat "$dir/install.log" >&2; exit 1; }
    fi
    rm -f "$sock"
    # Started in its own session so it outlives the shell that launched it.
    setsid mariadbd --no-defaults --datadir="$dir/data" --socket="$sock" --skip-networking \
      --pid-file="$pidfile" --log-error="$dir/error.log" --innodb-buffer-pool-size=128M \
      --innodb-log-file-size=64M --max-allowed-packet=64M --innodb-flush-log-at-trx-commit=2 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --secure-file-priv="$dir/files" \
      "${user_args[@]}" </dev/null >/dev/null 2>&1 &
    for _ in $(seq 1 300); do
      if ready; then
        echo "sandbox running at $sock"
        exit 0
      fi
      sleep 0.1
    done
    echo "sandbox did not become ready; see $dir/error.log" >&2
    tail -n 20 "$dir/error.log" >&2 || true
    exit 1
    ;;
  stop)
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
    echo "usage: $0 start|stop|status DIR" >&2
    exit 2
    ;;
esac
