#!/usr/bin/env bash
# The browser benchmark drives Chromium with puppeteer-core (from npm; it uses Debian's
# chromium, it downloads no browser). Installed under the build folder, never into git.
# Idempotent: nothing happens when it is already there.
set -euo pipefail
dest=${1:-build-web/tools}
if [ -d "$dest/node_modules/puppeteer-core" ]; then exit 0; fi
mkdir -p "$dest"
echo "install-web-tools: npm install puppeteer-core into $dest"
npm install --prefix "$dest" --no-audit --no-fund --silent puppeteer-core@25.16.0
