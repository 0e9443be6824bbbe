#!/usr/bin/env bash
# Lays out what the container image holds, without Docker, for measuring the image's exact command
# line on this machine: DIR/khu-phaen-sync.jar, DIR/bin/khu-phaen-sync (the entry point),
# DIR/native/libsqlitejdbc.so and the class-data archive DIR/kp.jsa from one training start, as the
# Dockerfile makes them. Then prints the image's command line with /app replaced by DIR, and on the
# line before it the JVM command that entry point runs here.
#   Usage: scripts/local-image.sh DIR   (after ./mvnw -B -q package -DskipTests)
set -euo pipefail
dir=$(mkdir -p "$1" && cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
port=${TRAINING_PORT:-3999}
cp "$root/target/khu-phaen-sync.jar" "$dir/khu-phaen-sync.jar"
rm -rf "$dir/native" "$dir/kp.jsa" "$dir/training-data" "$dir/bin"
mkdir -p "$dir/native" "$dir/bin"
cp "$root/bin/khu-phaen-sync" "$dir/bin/khu-phaen-sync"
(cd "$dir/native" && unzip -q -j "$dir/khu-phaen-sync.jar" "org/sqlite/native/Linux/$(uname -m)/libsqlitejdbc.so")
PORT=$port DATA_DIR="$dir/training-data" LOG_LEVEL=warn java -XX:ArchiveClassesAtExit="$dir/kp.jsa" \
  -jar "$dir/khu-phaen-sync.jar" &
pid=$!
until curl -fs "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.1; done
kill -TERM "$pid"
wait "$pid" || true
rm -rf "$dir/training-data"
test -f "$dir/kp.jsa"
KP_PRINT_COMMAND=1 "$dir/bin/khu-phaen-sync"
grep '^ENTRYPOINT \[' "$root/Dockerfile" | sed -e 's/^ENTRYPOINT \[//' -e 's/\]$//' -e 's/", "/ /g' -e 's/"//g' \
  -e "s#/app/#$dir/#g"
