#!/usr/bin/env bash
# The browser build compiles yaml-cpp and Dear ImGui with em++ from Debian's own source
# packages (the same versions the desktop build links). They are unpacked under the build
# folder, never into git. Idempotent: a source already unpacked is left alone.
set -euo pipefail
dest=${1:?usage: fetch-web-sources.sh DIR}
mkdir -p "$dest"
cd "$dest"
for pkg in yaml-cpp imgui; do
  if compgen -G "${pkg}-*/" > /dev/null; then continue; fi
  echo "fetch-web-sources: apt-get source $pkg"
  apt-get source -qq "$pkg" 2>&1 | grep -v "^W: Download is performed unsandboxed" || true
  compgen -G "${pkg}-*/" > /dev/null || { echo "fetch-web-sources: could not unpack $pkg (is the deb-src entry there? run scripts/install-deps.sh)" >&2; exit 1; }
done
