#!/usr/bin/env bash
# `make run`: prepares busybox:latest, starts the server in the foreground and prints how to use it.
set -euo pipefail
build=${1:-build} data=${2:-.wharf} listen=${3:-127.0.0.1:4566}
cd "$(dirname "$0")/.."
wharf="$build/wharf"
mkdir -p "$data"
if ! "$wharf" image ls --data-dir "$data" | grep -q '^busybox:latest'; then
  archive=$(mktemp --suffix=.tar)
  bash scripts/make_busybox_image.sh "$archive" >/dev/null
  "$wharf" image import --data-dir "$data" busybox:latest "$archive"
  rm -f "$archive"
fi
"$wharf" server --listen "$listen" --data-dir "$data" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server"' INT TERM
until "$wharf" credentials --data-dir "$data" >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { wait "$server"; exit 1; }
  sleep 0.1
done
cat <<EOT

Wharf is running on http://$listen (data in $data). In another shell:

$("$wharf" credentials --data-dir "$data")
aws="/usr/bin/aws --endpoint-url http://$listen"

\$aws ecs create-cluster --cluster-name batch
\$aws ecs register-task-definition --cli-input-json file://examples/copier-task-definition.json
\$aws ecs run-task --cluster batch --task-definition copier --launch-type FARGATE \\
  --network-configuration 'awsvpcConfiguration={subnets=[subnet-1],assignPublicIp=DISABLED}'
\$aws logs tail /ecs/copier --follow

Press Ctrl-C to stop the server.
EOT
wait "$server"
