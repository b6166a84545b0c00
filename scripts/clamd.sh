#!/usr/bin/env bash
# Make sure a clamd is there for the upload-scanning tests and write its URL to
# target/test-clamd.env. Order: $TAKA_TEST_CLAMD if set; a clamd that already answers PING
# on 127.0.0.1:3311; else a private clamd of our own in /tmp/taka-clamd. It never uses the
# system service or freshclam (no network signatures here): its only signature file detects
# the EICAR test string anywhere in any file, which is all the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
out=target/test-clamd.env

if [ -n "${TAKA_TEST_CLAMD:-}" ]; then
  echo "export TAKA_TEST_CLAMD='$TAKA_TEST_CLAMD'" >"$out"; exit 0
fi

HOST=127.0.0.1
PORT=3311
DIR=/tmp/taka-clamd
URL="tcp://$HOST:$PORT"

# The newline-framed PING of clamd's protocol, over bash's /dev/tcp: no client needed.
ping_clamd() {
  timeout 3 bash -c "exec 3<>/dev/tcp/$HOST/$PORT && printf 'nPING\n' >&3 && read -r reply <&3 && [ \"\$reply\" = PONG ]" \
    2>/dev/null
}

if ! ping_clamd; then
  if ! command -v clamd >/dev/null && [ ! -x /usr/sbin/clamd ]; then
    echo "installing Debian's clamav-daemon"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    # The package's own service start is left to policy-rc.d/systemd; we never rely on it.
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon >/dev/null
  fi
  CLAMD=$(command -v clamd || echo /usr/sbin/clamd)

  mkdir -p "$DIR/db"
  # Hex of the 68-byte EICAR test string (kept as hex so this file itself is not a match).
  EICAR_HEX=58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e444152442d414e544956495255532d544553542d46494c452124482b482a
  # Name:TargetType:Offset:Hex — target 0 is any file type, offset * is anywhere in it.
  echo "Eicar-Test-Signature:0:*:$EICAR_HEX" >"$DIR/db/taka-test.ndb"
  # No User line: clamd then stays the user that starts it (root included), and everything
  # it touches is in a directory that user owns.
  cat >"$DIR/clamd.conf" <<EOF
Foreground no
LogFile $DIR/clamd.log
LogTime yes
PidFile $DIR/clamd.pid
DatabaseDirectory $DIR/db
TCPAddr $HOST
TCPSocket $PORT
LocalSocket $DIR/clamd.sock
StreamMaxLength 64M
SelfCheck 0
EOF

  # One of ours may be there but still loading: then wait for it rather than start another.
  pid=$(cat "$DIR/clamd.pid" 2>/dev/null || true)
  if [ -z "$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != clamd ]; then
    rm -f "$DIR/clamd.sock" "$DIR/clamd.pid"
    "$CLAMD" --config-file="$DIR/clamd.conf"
    echo "started a test clamd on $HOST:$PORT (log: $DIR/clamd.log)"
  fi
  for _ in $(seq 60); do ping_clamd && break; sleep 1; done
  if ! ping_clamd; then
    echo "clamd did not answer PING on $HOST:$PORT; its log:" >&2
    tail -20 "$DIR/clamd.log" >&2 || true
    exit 1
  fi
fi
echo "export TAKA_TEST_CLAMD='$URL'" >"$out"
