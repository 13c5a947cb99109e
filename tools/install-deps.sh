#!/usr/bin/env bash
# tools/install-deps.sh — installs the Debian 12 packages Plinth needs, only those missing.
# Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-filesystem1.81-dev libboost-url1.81-dev
  libmariadb-dev libssl-dev mariadb-server mariadb-client
  libargon2-dev libsodium-dev libcrypt-dev libidn2-dev libpsl-dev publicsuffix libzip-dev
  libcli11-dev libgtest-dev libbenchmark-dev unzip
  libjansson-dev  # JSON for the C example module (plugins/example_c)
  # tools/test.sh: a compiler cache, and clang for the ThreadSanitizer and libFuzzer builds
  ccache clang-14 libclang-rt-14-dev llvm-14
  php8.2-cli  # the releases HTTP test asks as EDD's updater does, with PHP's json_decode
  # tests/releases/wordpress: a real WordPress 6.1 site (Debian's; its package also pulls in
  # apache2, which the policy-rc.d below keeps from starting) served by `php -S`
  wordpress php8.2-mysql php8.2-curl php8.2-zip
  chromium chromium-driver python3-selenium  # the /account/ portal's browser test (headless)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "installing: ${missing[*]}"
sudo=()
[[ $(id -u) -ne 0 ]] && sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
# The MariaDB package must not start a system-wide server: Plinth runs its own sandbox.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${sudo[@]}" chmod +x /usr/sbin/policy-rc.d
  trap '"${sudo[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
fi
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
