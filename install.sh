#!/usr/bin/env bash
# Install dockerlite on a Debian 12 machine, as root. Idempotent: run it again at will.
#   - the Debian packages dockerlite needs, and the real peers its tests run against
#   - npm ci and the build
#   - dockerlite on PATH (/usr/local/bin/dockerlite)
#   - where systemd runs: dockerlite.socket (the API), dockerlite.service, dockerlite-restart.service
#   - dockerlite init, then a first container as a smoke test
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" != 0 ]; then
  echo "install.sh: run me as root (dockerlite manages mounts, cgroups and network devices)" >&2
  exit 1
fi

# What dockerlite itself runs.
RUNTIME=(lxc gcc libc6-dev btrfs-progs busybox-static iptables iproute2 attr util-linux procps debootstrap
  xz-utils zstd bzip2 ca-certificates)
# The real programs the end-to-end tests and benchmarks talk to.
PEERS=(docker-registry skopeo umoci apache2-utils openssl tmux python3 dnsmasq-base docker-compose python3-docker python3-websocket strace)

missing=()
for p in "${RUNTIME[@]}" "${PEERS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install.sh: installing ${missing[*]}"
  # Packages must not start services (docker-registry would listen on all interfaces):
  # the tests start their own, bound to 127.0.0.1.
  policy=/usr/sbin/policy-rc.d
  had_policy=0; [ -e "$policy" ] && had_policy=1
  [ "$had_policy" = 1 ] || { printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; }
  trap '[ "$had_policy" = 1 ] || rm -f "$policy"' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "install.sh: dockerlite needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent

ln -sf "$PWD/bin/dockerlite" /usr/local/bin/dockerlite

# Where systemd runs: the API socket, its server, and restarting containers at boot.
if [ -d /run/systemd/system ]; then
  getent group docker >/dev/null || groupadd --system docker
  install -m 0644 contrib/systemd/dockerlite.socket contrib/systemd/dockerlite.service \
    contrib/systemd/dockerlite-restart.service /etc/systemd/system/
  systemctl daemon-reload
  systemctl enable --quiet dockerlite.socket dockerlite-restart.service
  systemctl start dockerlite.socket
fi

dockerlite init
dockerlite run --rm busybox echo "dockerlite works"
