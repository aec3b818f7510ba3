#!/usr/bin/env bash
# Runs vpcvpn's whole test suite on a fresh Debian 12 machine: installs what the
# tests need (strongSwan and friends from Debian, Go modules), makes sure
# PostgreSQL runs, then vets and runs every test with the race detector.
# Extra arguments go to `go test` (e.g. scripts/test.sh -run TestDownload).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "scripts/test.sh: the live tunnel tests need root (network namespaces); run as root" >&2
  exit 1
fi
bash scripts/install-test-deps.sh

# PostgreSQL on 127.0.0.1:5432 for the postgres backend tests.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

go mod download
test -z "$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
go vet ./...
go test -race -count=1 -timeout 25m "$@" ./...
