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
  rabbitmq-server                    # the real broker `brokersim verify` checks lessons against (3.10.8)
  clang                              # libFuzzer target for the AMQP codec
  emscripten dpkg-dev                # the browser build (dpkg-dev unpacks `apt-get source`)
  chromium                           # the browser build's tests, headless
)

# The browser build compiles yaml-cpp and imgui from Debian's source packages, so apt needs a
# deb-src entry: the same archive and signing key as the system's own entry.
src_list=/etc/apt/sources.list.d/brokersim-src.sources
need_update=0
if ! grep -rqs "^Types: deb-src" /etc/apt/sources.list.d/ && ! grep -qs "^deb-src" /etc/apt/sources.list; then
  echo "install-deps: adding a deb-src entry ($src_list)"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  printf '%s\n' "Types: deb-src" "URIs: http://deb.debian.org/debian" "Suites: bookworm bookworm-updates" \
    "Components: main" "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" | $SUDO tee "$src_list" > /dev/null
  need_update=1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  if [ "$need_update" -eq 1 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
  fi
  echo "install-deps: everything is already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
