#!/usr/bin/env bash
# Prints a Redis URL the tests can use: the one given ($1) when a server
# answers there; otherwise it starts a throwaway redis-server on that
# loopback address (installing Debian's redis-server first when it is
# missing and apt-get can run), so `make test` works on a fresh machine.
# Progress goes to stderr; only the URL goes to stdout.
set -euo pipefail
url="${1:-redis://127.0.0.1:6379}"

case "$url" in
  redis://*) ;;
  *) echo "$url"; exit 0 ;; # sentinel, cluster, TLS: the caller's own setup
esac
hostport="${url#redis://}"; hostport="${hostport%%/*}"; hostport="${hostport##*@}"
host="${hostport%%:*}"; port="${hostport##*:}"
[ "$port" = "$hostport" ] && port=6379

answers() { (exec 3<>"/dev/tcp/$host/$port" && printf 'PING\r\n' >&3 && read -r -t 2 line <&3 && [[ "$line" == +PONG* ]]) 2>/dev/null; }

if answers; then echo "$url"; exit 0; fi
if [ "$host" != 127.0.0.1 ] && [ "$host" != localhost ]; then
  echo "ensure-redis: nothing answers at $url" >&2; exit 1
fi
if ! command -v redis-server >/dev/null; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo -n"; fi
  if command -v apt-get >/dev/null; then
    echo "ensure-redis: installing Debian's redis-server for the tests" >&2
    $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server redis-tools >&2
  fi
fi
if ! command -v redis-server >/dev/null; then
  echo "ensure-redis: no Redis at $url and redis-server cannot be installed here; start one and set REDIS_URL" >&2
  exit 1
fi
dir="${TMPDIR:-/tmp}/turnaround-test-redis-$port"
mkdir -p "$dir"
echo "ensure-redis: starting redis-server on $host:$port (in memory, logs in $dir)" >&2
redis-server --daemonize yes --bind "$host" --port "$port" --save "" --appendonly no \
  --dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" >&2
for _ in $(seq 1 50); do answers && { echo "$url"; exit 0; }; sleep 0.1; done
echo "ensure-redis: redis-server did not answer on $host:$port; see $dir/redis.log" >&2
exit 1
