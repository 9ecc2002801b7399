#!/usr/bin/env bash
# Installs what brokersim needs to build and test, from Debian 12's packages. Idempotent: it
# installs only what is missing, so running it again costs a few dpkg queries.
set -euo pipefail

packages=(
  build-essential cmake pkg-config   # toolchain
  doctest-dev                        # unit tests
  libyaml-cpp-dev                    # scenario files
  libimgui-dev libglfw3-dev python3-glad libgl-dev libstb-dev fonts-dejavu-core  # GUI
  xvfb xauth libgl1-mesa-dri         # the GUI's screenshot tests run in a virtual X server
  libasio-dev                        # the AMQP port's TCP server
  python3-pika amqp-tools librabbitmq-dev  # real AMQP clients for the port's tests
  clang                              # libFuzzer target for the AMQP codec
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
