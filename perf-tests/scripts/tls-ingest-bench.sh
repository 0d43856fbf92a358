#!/usr/bin/env bash
# TLS cost on ingest: the same load against one node without TLS, with TLS, with TLS + basic auth.
set -u
# A self-signed certificate, a TLS web config and a TLS + basic-auth one (password write-secret) in a temp dir.
DIR="$(mktemp -d)"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$DIR/key.pem" -out "$DIR/cert.pem" -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$DIR/key.pem" -out "$DIR/key8.pem"
printf 'tls_server_config:\n  cert_file: cert.pem\n  key_file: key8.pem\n' > "$DIR/web-tls.yml"
cp "$DIR/web-tls.yml" "$DIR/web-tls-auth.yml"
printf 'basic_auth_users:\n  prometheus: $2y$10$ylrIgXBEeeferArc5aH1oeSI0OeWW1a2Ftc/AAF/Lpwb5GZ40XWY6\n' >> "$DIR/web-tls-auth.yml"
W="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/weir"
run() {  # name, web-config-or-empty, url, extra bench flags
  local name=$1 web=$2 url=$3; shift 3
  rm -rf $DIR/data-$name
  if [ -n "$web" ]; then
    $W serve --listen 127.0.0.1:19301 --data-dir $DIR/data-$name --web.config.file $web > $DIR/node-$name.log 2>&1 &
  else
    $W serve --listen 127.0.0.1:19301 --data-dir $DIR/data-$name > $DIR/node-$name.log 2>&1 &
  fi
  local pid=$!
  for i in $(seq 1 120); do grep -q "weir ready" $DIR/node-$name.log && break; sleep 0.5; done
  local t0=$(awk '{print $14+$15}' /proc/$(pgrep -f "weir-server.jar.*19301" | head -1)/stat)
  WEIR_JAVA_OPTS=-Xmx6g $W bench insert --url $url --series 10000 --concurrency 4 --warmup 10s --duration 20s "$@" 2>&1 | tail -1 | sed "s/^/$name: /"
  local spid=$(pgrep -f "weir-server.jar.*19301" | head -1)
  echo "$name: server CPU ticks $(( $(awk '{print $14+$15}' /proc/$spid/stat) - t0 ))"
  kill $spid; wait $pid 2>/dev/null; sleep 1
}
run plain "" http://127.0.0.1:19301
run tls "$DIR/web-tls.yml" https://127.0.0.1:19301 --ca-file "$DIR/cert.pem"
run tlsauth "$DIR/web-tls-auth.yml" https://127.0.0.1:19301 --ca-file "$DIR/cert.pem" --basic-auth prometheus:write-secret
