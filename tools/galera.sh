#!/usr/bin/env bash
# tools/galera.sh start|stop|status|kill [N] [DIR] — a MariaDB Galera cluster of N nodes (default 3)
# on loopback, for tests, benchmarks and trying Plinth on a cluster. Not for production.
#
# Node i lives in DIR/node<i> (DIR defaults to $PLINTH_GALERA_DIR, else ./var/galera): data in
# data/, unix socket mysqld.sock, error log error.log, its own my.cnf. Ports, from
# PLINTH_GALERA_PORT_BASE (default 24000): SQL base+10i, group communication base+10i+1, IST
# base+10i+2, SST base+10i+3, all on 127.0.0.1. Node 1 bootstraps the cluster; the others join it
# by state transfer (rsync). Idempotent: start on a running cluster and stop on a stopped one
# succeed. `kill I` kills node I with SIGKILL (tests); `start` brings it back into the cluster.
#
# Needs the Debian packages galera-4 and rsync (apt-get install galera-4 rsync); tools/install-deps.sh
# does not install them, because the Galera tests are not part of the default test run.
set -euo pipefail

action=${1:-}
nodes=${2:-3}
dir=${3:-${PLINTH_GALERA_DIR:-$PWD/var/galera}}
base=${PLINTH_GALERA_PORT_BASE:-24000}
provider=/usr/lib/galera/libgalera_smm.so

usage() {
  echo "usage: $0 start|stop|status [N] [DIR]   |   $0 kill I [DIR]" >&2
  exit 2
}
[[ -n "$action" ]] || usage
[[ "$nodes" =~ ^[0-9]+$ && "$nodes" -ge 1 && "$nodes" -le 9 ]] || usage
if [[ "$action" != kill && "$action" != status && "$action" != stop ]]; then
  [[ -f "$provider" ]] || { echo "galera-4 is not installed ($provider missing)" >&2; exit 1; }
  command -v rsync >/dev/null || { echo "rsync is not installed" >&2; exit 1; }
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# The joiner's rsync daemon, started as root, writes as 'nobody': the node folders must be
# reachable and the data folders writable by it. Test data only: the sockets stay owner-only.
chmod 755 "$dir"
user_args=()
[[ $(id -u) -eq 0 ]] && user_args=(--user=root)

node_dir() { echo "$dir/node$1"; }
sql_port() { echo $((base + 10 * $1)); }
gcomm_port() { echo $((base + 10 * $1 + 1)); }

members() {
  local list="" i
  for ((i = 1; i <= nodes; i++)); do list+="${list:+,}127.0.0.1:$(gcomm_port "$i")"; done
  echo "$list"
}

pid_of() { cat "$(node_dir "$1")/mysqld.pid" 2>/dev/null || true; }
running() { local pid; pid=$(pid_of "$1"); [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }
sql() { mariadb --no-defaults -S "$(node_dir "$1")/mysqld.sock" -uroot -N -B -e "$2" 2>/dev/null; }
synced() { [[ "$(sql "$1" "SHOW STATUS LIKE 'wsrep_local_state_comment'" | cut -f2)" == Synced ]]; }
cluster_size() { sql "$1" "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2; }

write_config() {
  local i=$1 d
  d=$(node_dir "$i")
  local p=$((base + 10 * i))
  cat >"$d/my.cnf" <<EOF
[mysqld]
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
log-error=$d/error.log
port=$p
bind-address=127.0.0.1
innodb-buffer-pool-size=64M
innodb-log-file-size=48M
innodb-flush-log-at-trx-commit=2
max-allowed-packet=64M
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
# Required by Galera
binlog-format=ROW
default-storage-engine=InnoDB
innodb-autoinc-lock-mode=2
wsrep-on=ON
wsrep-provider=$provider
wsrep-cluster-name=plinth-loopback
wsrep-cluster-address=gcomm://$(members)
wsrep-node-name=node$i
wsrep-node-address=127.0.0.1:$((p + 1))
wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:$((p + 1));ist.recv_addr=127.0.0.1:$((p + 2));gcache.size=64M
wsrep-sst-method=rsync
wsrep-sst-receive-address=127.0.0.1:$((p + 3))
EOF
  # A joiner takes its state from the node before it when that one is up (else from any): an rsync
  # donor blocks its own writes while it sends, and the tests fail node 3's hosts over to node 1.
  [[ $i -gt 1 ]] && echo "wsrep-sst-donor=node$((i - 1))," >>"$d/my.cnf"
  return 0
}

start_node() {
  local i=$1 d
  d=$(node_dir "$i")
  if running "$i"; then return 0; fi
  mkdir -p "$d/data"
  chmod 755 "$d"
  chmod 777 "$d/data"
  write_config "$i"
  local bootstrap=()
  if [[ ! -d "$d/data/mysql" ]]; then
    if [[ $i -eq 1 ]]; then
      mariadb-install-db --defaults-file="$d/my.cnf" --auth-root-authentication-method=normal \
        --skip-test-db --wsrep-on=OFF "${user_args[@]}" >"$d/install.log" 2>&1 ||
        { cat "$d/install.log" >&2; exit 1; }
    fi # a joiner's data arrives by state transfer
  fi
  # Node 1 bootstraps when no other node is up (a fresh cluster, or after a full stop).
  if [[ $i -eq 1 ]]; then
    local other=0 j
    for ((j = 2; j <= nodes; j++)); do running "$j" && other=1; done
    if [[ $other -eq 0 ]]; then
      bootstrap=(--wsrep-new-cluster)
      # After a full stop the last node down must be marked safe to bootstrap from.
      [[ -f "$d/data/grastate.dat" ]] && sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$d/data/grastate.dat"
    fi
  fi
  # A node that rejoins (after a kill, say) takes a full state transfer into a data folder the
  # server, running as root, filled as root; the transfer daemon runs as 'nobody' and must be able
  # to replace and chmod what is there.
  if [[ ${#bootstrap[@]} -eq 0 && -d "$d/data/mysql" && $(id -u) -eq 0 ]]; then
    chown -R nobody:nogroup "$d/data"
  fi
  rm -f "$d/mysqld.sock"
  setsid mariadbd --defaults-file="$d/my.cnf" "${bootstrap[@]}" "${user_args[@]}" </dev/null >/dev/null 2>&1 &
  local server=$! _
  for _ in $(seq 1 3000); do
    if synced "$i"; then return 0; fi
    kill -0 "$server" 2>/dev/null || break # it gave up (a failed state transfer, a bad config)
    sleep 0.1
  done
  echo "node $i did not reach Synced; see $d/error.log" >&2
  tail -n 30 "$d/error.log" >&2 || true
  exit 1
}

stop_node() {
  local i=$1 pid
  running "$i" || return 0
  pid=$(pid_of "$i")
  mariadb-admin --no-defaults -S "$(node_dir "$i")/mysqld.sock" -uroot shutdown >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

case "$action" in
  start)
    for ((i = 1; i <= nodes; i++)); do start_node "$i"; done
    echo "galera cluster of $(cluster_size 1) nodes running: sockets $dir/node{1..$nodes}/mysqld.sock," \
         "SQL ports $(sql_port 1)..$(sql_port "$nodes")"
    ;;
  stop)
    # Joiners first, node 1 last: it is then the one safe to bootstrap from.
    for ((i = nodes; i >= 1; i--)); do stop_node "$i"; done
    echo "galera cluster stopped"
    ;;
  status)
    up=0
    for ((i = 1; i <= nodes; i++)); do
      if running "$i" && synced "$i"; then
        echo "node$i: Synced, cluster size $(cluster_size "$i"), socket $(node_dir "$i")/mysqld.sock, port $(sql_port "$i")"
        up=$((up + 1))
      else
        echo "node$i: down"
      fi
    done
    [[ $up -eq $nodes ]] || exit 3
    ;;
  kill)
    i=$nodes
    pid=$(pid_of "$i")
    [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
    while [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    echo "node$i killed"
    ;;
  *) usage ;;
esac
