#!/bin/sh
# The GUI's two performance targets, measured under Xvfb (llvmpipe) at 1280x800:
#   - the median frame is at most 16.7 ms with about 2,000 messages in flight;
#   - seeking anywhere in a long scenario takes at most 100 ms.
# usage: bench/gui_frames.sh BUILD_DIR   (an optimised build: make bench uses build-release)
set -eu
build=${1:-build-release}
here=$(dirname "$0")
echo "== frame time, bench/gui_load.yaml from 10s at 1x, 600 frames"
xvfb-run -a -s "-screen 0 1280x800x24" "$build/app/gui/brokersim-gui" "$here/gui_load.yaml" \
  --at 10s --size 1280x800 --bench-frames 600
echo "== seek time"
"$build/bench/bench_gui_seek" "$here/../scenarios/capstone_order_system.yaml" --duration 10m \
  "$here/../scenarios/ecommerce_checkout.yaml" "$here/gui_load.yaml"
