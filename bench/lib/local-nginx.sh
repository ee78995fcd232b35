# Sourced by the fetch benchmarks: built binaries, a scratch directory, and a local nginx
# serving $work/mirror, stopped and removed on exit.
#   start_local_nginx "LOCATION-DIRECTIVES" [COUNT]   one server per port from $base_port,
#                                                     COUNT of them (default 1)
swift build -c release --product mkpatch >/dev/null 2>&1
swift build -c release --product deltafetch >/dev/null 2>&1
mkpatch=$PWD/.build/release/mkpatch
deltafetch=$PWD/.build/release/deltafetch
work=$(mktemp -d)
chmod 755 "$work"  # nginx workers run as nobody
trap 'kill $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/mirror" "$work/logs" "$work/tmp"
base_port=$((20000 + RANDOM % 20000))

start_local_nginx() {  # start_local_nginx DIRECTIVES...  (one server per argument)
  local servers="" port=$base_port directives
  for directives in "$@"; do
    servers+="server { listen 127.0.0.1:$port; root $work/mirror; location / { $directives } } "
    port=$((port + 1))
  done
  cat > "$work/nginx.conf" <<CONF
daemon on; worker_processes 1; pid $work/nginx.pid; error_log $work/logs/error.log;
events { worker_connections 64; }
http { access_log off; sendfile off; client_body_temp_path $work/tmp; proxy_temp_path $work/tmp;
       fastcgi_temp_path $work/tmp; uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp; $servers }
CONF
  /usr/sbin/nginx -p "$work" -c "$work/nginx.conf" -e "$work/logs/error.log"
}
