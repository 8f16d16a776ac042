#!/usr/bin/env bash
# A throwaway local Redis Cluster of three masters (no replicas), for tests and CI.
#
#   scripts/redis-cluster.sh start DIR PORT1 PORT2 PORT3   # prints the seed URL (redis://127.0.0.1:PORT1) when ok
#   scripts/redis-cluster.sh stop DIR                      # shuts down the nodes started with DIR
#
# Each node also uses PORT+10000 for the cluster bus. Data is not saved; DIR holds the nodes' config files and logs.
set -euo pipefail

cmd="${1:?usage: redis-cluster.sh start DIR PORT1 PORT2 PORT3 | stop DIR}"
dir="${2:?give a directory for the node files}"

case "$cmd" in
start)
  shift 2
  [ "$#" -eq 3 ] || { echo "redis-cluster: give three ports" >&2; exit 2; }
  mkdir -p "$dir"
  # A server already on a port (a node left by an interrupted run, say) would answer in place of ours and make
  # `--cluster create` fail with "node is not empty": say so plainly instead.
  for port in "$@"; do
    if redis-cli -p "$port" ping >/dev/null 2>&1; then
      echo "redis-cluster: a Redis already answers on 127.0.0.1:$port (left by an earlier run?);" \
        "stop it (redis-cli -p $port shutdown nosave) or choose other ports" >&2
      exit 1
    fi
  done
  nodes=()
  for port in "$@"; do
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --cluster-enabled yes \
      --cluster-config-file "$dir/nodes-$port.conf" --cluster-node-timeout 5000 --save "" --appendonly no \
      --dir "$dir" --logfile "$dir/redis-$port.log" --pidfile "$dir/redis-$port.pid"
    echo "$port" >>"$dir/ports"
    nodes+=("127.0.0.1:$port")
  done
  for port in "$@"; do
    for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 ||
    { cat "$dir/create.log" >&2; exit 1; }
  # Every node must agree the cluster is up (all 16384 slots served) before a client may use it.
  for port in "$@"; do
    for _ in $(seq 1 300); do
      redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && break
      sleep 0.1
    done
    redis-cli -p "$port" cluster info | grep -q '^cluster_state:ok' ||
      { echo "redis-cluster: node $port never reported cluster_state:ok" >&2; exit 1; }
  done
  echo "redis://127.0.0.1:$1"
  ;;
stop)
  [ -f "$dir/ports" ] || exit 0
  while read -r port; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done <"$dir/ports"
  rm -f "$dir/ports"
  ;;
*)
  echo "redis-cluster: unknown command $cmd (start or stop)" >&2
  exit 2
  ;;
esac
