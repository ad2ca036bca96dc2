#!/usr/bin/env bash
# Start a Docker engine when none answers, and make the stand-in base image when Docker Hub is out of reach.
# Idempotent: every step is skipped when its result is already there.
set -euo pipefail

# Prints the base image to build the runner from: python:3.11-slim when it can be had, else a
# stand-in made with debootstrap (for machines that cannot reach Docker Hub).
UPSTREAM_IMAGE="python:3.11-slim"
BASE_IMAGE="${GRADER_BASE_IMAGE:-local/python:3.11-slim}"

log() { printf '[docker-up] %s\n' "$*" >&2; }

ensure_engine() {
  if docker info >/dev/null 2>&1; then return; fi
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
    log "installing docker.io and debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker.io debootstrap >/dev/null
  fi
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd"
    (setsid dockerd >/var/log/dockerd.log 2>&1 &)
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && break
      sleep 1
    done
  fi
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/dockerd.log"; tail -20 /var/log/dockerd.log >&2; exit 1; }
}

mirror() {
  # The first URI of the host's Debian sources: the only Debian mirror this network reaches.
  local uri
  uri=$(grep -hm1 '^URIs:' /etc/apt/sources.list.d/debian.sources 2>/dev/null | awk '{print $2}')
  echo "${uri:-http://deb.debian.org/debian}"
}

ensure_base_image() {
  if [ -z "${GRADER_BASE_IMAGE:-}" ]; then
    if docker image inspect "$UPSTREAM_IMAGE" >/dev/null 2>&1 || timeout 120 docker pull -q "$UPSTREAM_IMAGE" >/dev/null 2>&1; then
      BASE_IMAGE="$UPSTREAM_IMAGE"; return
    fi
    log "cannot pull $UPSTREAM_IMAGE: using a stand-in, $BASE_IMAGE"
  fi
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then return; fi
  command -v debootstrap >/dev/null 2>&1 || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  log "building stand-in base image $BASE_IMAGE with debootstrap (about a minute)"
  local root
  root=$(mktemp -d /var/tmp/baseroot.XXXXXX)
  trap 'rm -rf "$root"' RETURN
  debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
    bookworm "$root" "$(mirror)" >/var/log/debootstrap.log 2>&1 \
    || { tail -20 /var/log/debootstrap.log >&2; exit 1; }
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null 2>&1
  fi
  rm -f "$root"/usr/lib/python3.*/EXTERNALLY-MANAGED
  ln -sf /usr/bin/python3 "$root/usr/local/bin/python"
  ln -sf /usr/bin/pip3 "$root/usr/local/bin/pip"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import -c 'ENV LANG=C.UTF-8' - "$BASE_IMAGE" >/dev/null
  log "base image $BASE_IMAGE ready"
}

ensure_engine
ensure_base_image
echo "$BASE_IMAGE"
