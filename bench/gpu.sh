#!/usr/bin/env bash
# The bench on a GPU machine (H100/H200: CUDA 13, Python + torch, but no Node.js, no Redis and no internet; see
# ../shared/docs/GPU.md). Three steps, because one device call carries at most 64 MiB:
#
#   here:   bench/gpu.sh pack          -> .gpu/p1 .. .gpu/pN (git-ignored), each under ~56 MiB: a Node 20 binary, a
#                                         trimmed node_modules (linux-x64 only), redis-server, the fixture images,
#                                         and the CUDA provider of ORT 1.29.0 (npm: com.github.asus4.onnxruntime.
#                                         linux-x64-gpu@0.4.9, 221 MB, xz-compressed and split). Prints the carry plan.
#   there:  bench/gpu.sh unpack        -> once per call, carrying one or more parts: unpacks whatever .gpu/p* came
#                                         along into /tmp/mcb (kept while the machine stays warm: chain the calls).
#   there:  bench/gpu.sh run [quick|pipeline] -> checks the pieces, puts the CUDA provider next to libonnxruntime.so.1, sets
#                                         LD_LIBRARY_PATH as GPU.md says, starts redis, builds the web and photos
#                                         corpora from the carried fixtures (seconds on 16 cores), and runs bench/run.ts
#                                         for cuda fp16 on web (raw model at batch 32..512, decode vs the plain-sharp
#                                         floor, e2e, the tiny-model pipeline) and on photos (the same at the best
#                                         batch), then cuda fp32 and webgpu fp32 (raw model), writing
#                                         bench-<device>-<dtype>[-<corpus>].{json,md,svg,txt,log} and gpu-rows.md (the
#                                         rows of docs/benchmarks.md's GPU table) into $OUT. Each report names the card
#                                         and the host's cores.
#
# Lean on purpose: the whole GPU budget is 15 minutes, machine start and the five transfers included. Use
# `run quick` (2 rounds, 8,192 images per e2e round; about 5 minutes); `run` (3 rounds, 16,384 images) needs ~9;
# `run pipeline` (quick rounds) measures the end-to-end pipeline three ways and transformers.js, skipping fp32/WebGPU.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STAGE=/tmp/mcb
PART_MIB=56

pack() {
  local work=.gpu/stage cache=.gpu/cache
  # The Node binary and the CUDA provider never change between packs: compressed once, kept in .gpu/cache.
  rm -rf .gpu/p* "$work" && mkdir -p "$work" "$cache"
  echo "gpu.sh: node $(node --version)" >&2
  [ -s "$cache/node.xz" ] || xz -T0 -6 -c "$(readlink -f "$(command -v node)")" >"$cache/node.xz"
  cp "$cache/node.xz" "$work/"

  # node_modules without what a bench run never loads: other platforms' binaries, onnxruntime-web (transformers.js
  # bundles it), the dev tools and the browser/container test drivers.
  tar -C "$ROOT" -c --exclude='onnxruntime-node/bin/napi-v6/darwin' --exclude='onnxruntime-node/bin/napi-v6/win32' \
    --exclude='onnxruntime-node/bin/napi-v6/linux/arm64' --exclude='node_modules/onnxruntime-web' \
    --exclude='node_modules/typescript' --exclude='node_modules/@biomejs' --exclude='node_modules/playwright-core' \
    --exclude='node_modules/testcontainers' --exclude='node_modules/vitest' --exclude='node_modules/@vitest' \
    --exclude='node_modules/vite' --exclude='node_modules/rollup' --exclude='node_modules/@rollup' \
    --exclude='node_modules/@types' --exclude='node_modules/s3rver' --exclude='node_modules/@img/sharp-libvips-linuxmusl-x64' \
    --exclude='node_modules/@img/sharp-linuxmusl-x64' --exclude='node_modules/.cache' --exclude='*.map' \
    --exclude='*.d.ts' node_modules $(ls -d apps/*/node_modules libs/*/node_modules 2>/dev/null) |
    xz -T0 -6 >"$work/node_modules.tar.xz"

  mkdir -p "$work/redis/lib"
  cp "$(readlink -f "$(command -v redis-server)")" "$work/redis/redis-server"
  for lib in liblzf.so.1 libjemalloc.so.2 libatomic.so.1; do
    cp "$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ { print $NF; exit }')" "$work/redis/lib/"
  done
  cp -r "${BENCH_IMAGES_DIR:-$ROOT/../shared/fixtures/images}" "$work/images"
  tar -C "$work" -c redis images | xz -T0 -6 >"$work/misc.tar.xz"
  rm -rf "$work/redis" "$work/images"

  if [ ! -s "$cache/cuda.tar.xz" ]; then
    local tgz
    tgz=$(cd "$cache" && npm pack --silent com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9)
    tar -C "$cache" -xzf "$cache/$tgz" --wildcards '*/Plugins/Linux/x64/libonnxruntime_providers_*.so'
    tar -C "$(dirname "$(find "$cache" -name libonnxruntime_providers_cuda.so)")" -c \
      libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so | xz -T0 -6 >"$cache/cuda.tar.xz"
    rm -rf "$cache/package" "${cache:?}/$tgz"
  fi
  cp "$cache/cuda.tar.xz" "$work/"

  # Split every archive into chunks, then deal the chunks into parts that each fit one call.
  (cd "$work" && for f in *.xz; do split -b "$((PART_MIB * 1024 * 1024 - 1024))" -d -a 2 "$f" "$f.chunk."; rm "$f"; done)
  local part=1 used=0 size
  for chunk in $(ls -S "$work"); do
    size=$(stat -c %s "$work/$chunk")
    if ((used + size > PART_MIB * 1024 * 1024)); then part=$((part + 1)) used=0; fi
    mkdir -p ".gpu/p$part" && mv "$work/$chunk" ".gpu/p$part/" && used=$((used + size))
  done
  rmdir "$work"
  echo "gpu.sh: packed $(du -csh .gpu/p* | tail -1 | cut -f1) into $part parts. Carry each in its own call, back to back"
  echo "(the machine keeps /tmp only while warm), the last one running the bench:"
  for p in $(seq 1 $((part - 1))); do echo "  run(carry=['.gpu/p$p'], command='bash bench/gpu.sh unpack')"; done
  echo "  run(carry=['.gpu/p$part'], command='bash bench/gpu.sh unpack && bash bench/gpu.sh run')"
}

unpack() {
  mkdir -p "$STAGE/chunks"
  # Parts carried by earlier calls stay in the (ignored) .gpu/ here: copy only chunks of archives not yet unpacked.
  for chunk in .gpu/p*/*.chunk.*; do
    [ -e "$chunk" ] || continue
    local archive
    archive=$(basename "$chunk") && archive=${archive%.chunk.*}
    [ -e "$STAGE/done.$archive" ] || cp "$chunk" "$STAGE/chunks/"
  done
  # An archive is complete once all its chunks are here; unpack each complete one exactly once.
  for first in "$STAGE"/chunks/*.xz.chunk.00; do
    [ -e "$first" ] || continue
    local name base
    name=$(basename "$first" .chunk.00) base="$STAGE/chunks/$name"
    [ -e "$STAGE/done.$name" ] && continue
    # split names chunks 00, 01, ...: the archive is complete when xz can read it to the end.
    if cat "$base".chunk.* | xz -t 2>/dev/null; then
      case "$name" in
        node.xz) mkdir -p "$STAGE/bin" && cat "$base".chunk.* | xz -d >"$STAGE/bin/node" && chmod +x "$STAGE/bin/node" ;;
        *.tar.xz) mkdir -p "$STAGE/${name%.tar.xz}" && cat "$base".chunk.* | xz -d | tar -C "$STAGE/${name%.tar.xz}" -x ;;
      esac
      touch "$STAGE/done.$name" && rm -f "$base".chunk.*
      echo "gpu.sh: unpacked $name" >&2
    else
      echo "gpu.sh: $name incomplete so far ($(ls "$base".chunk.* | wc -l) chunks)" >&2
    fi
  done
}

run() {
  local mode=${1:-full}
  local out=${OUT:-$ROOT/artifacts/gpu}
  mkdir -p "$out"
  for piece in node.xz node_modules.tar.xz misc.tar.xz; do
    [ -e "$STAGE/done.$piece" ] || { echo "gpu.sh: $piece is missing: carry its parts (bench/gpu.sh pack)" >&2; exit 2; }
  done
  # Without the CUDA provider (three of the five parts) only WebGPU runs: a cheaper first look.
  local cuda=yes
  [ -e "$STAGE/done.cuda.tar.xz" ] || { cuda=no && echo "gpu.sh: no CUDA provider carried: WebGPU only" >&2; }
  export PATH="$STAGE/bin:$PATH"
  # Moved, not linked: the workspace packages in them are relative links into this checkout's libs/ and apps/.
  # The archive holds the root node_modules and the workspaces' own (their versions differ from the hoisted ones).
  for nm in $(cd "$STAGE/node_modules" && find . -maxdepth 3 -name node_modules -type d -prune); do
    [ -e "$nm" ] || mv "$STAGE/node_modules/$nm" "$nm"
  done
  local ort=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
  [ $cuda = no ] || cp -n "$STAGE"/cuda/libonnxruntime_providers_*.so "$ort/"
  local py=/opt/torch/.venv/lib/python3.12/site-packages/nvidia
  export LD_LIBRARY_PATH="/usr/local/cuda/targets/x86_64-linux/lib:/usr/local/cuda/lib64:$py/cu13/lib:$py/cudnn/lib:${LD_LIBRARY_PATH:-}"
  export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
  export BENCH_IMAGES_DIR=$STAGE/misc/images
  export REDIS_URL=redis://127.0.0.1:6390
  LD_LIBRARY_PATH="$STAGE/misc/redis/lib:$LD_LIBRARY_PATH" "$STAGE/misc/redis/redis-server" --port 6390 \
    --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile "$STAGE/redis.pid" --logfile "$out/redis.log"
  trap 'kill "$(cat "$STAGE/redis.pid")" 2>/dev/null || true' EXIT
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"

  local quick=()
  [ "$mode" != full ] && quick=(--quick)
  bench() { # device dtype suites batch-sizes time-limit-s [tag] [corpus, default web]
    local tag="$1-$2${6:+-$6}"
    echo "gpu.sh: bench $tag (limit $5 s)" >&2
    timeout "$5" node --import tsx bench/run.ts --device "$1" --dtype "$2" --only "$3" --batch-sizes "$4" \
      --corpus "${7:-web}" "${quick[@]}" --json --out "$out/bench-$tag.json" >"$out/bench-$tag.txt" \
      2>"$out/bench-$tag.log" ||
      echo "gpu.sh: bench $tag failed ($?): see bench-$tag.log" >&2
    tail -n 30 "$out/bench-$tag.txt" >&2 || true
  }
  if [ "$mode" = pipeline ]; then
    # The whole pipeline at the production setting (cuda fp16, batch 256) with the worker's defaults, and decoding
    # alone (its ceiling on this host's cores); then fewer preprocessing threads and more fetches in flight.
    # PIPELINE_TJS=1 adds transformers.js on the same GPU; PIPELINE_MAIN_THREAD=1 the worker without thread pools.
    [ $cuda = yes ] || { echo "gpu.sh: pipeline needs the CUDA provider" >&2; exit 2; }
    bench cuda fp16 "raw,decode,e2e${PIPELINE_TJS:+,transformersjs}" 256 200
    [ -n "${PIPELINE_MAIN_THREAD:-}" ] &&
      METACLIP_PREPROCESS_THREADS=0 METACLIP_VISION_THREADS=0 bench cuda fp16 raw,e2e 256 150 main-thread
    METACLIP_PREPROCESS_THREADS=4 bench cuda fp16 raw,e2e 256 90 p4
    METACLIP_FETCH_CONCURRENCY=512 bench cuda fp16 raw,e2e 256 90 f512
    cat "$out"/bench-*.md >"$out/gpu-rows.md" 2>/dev/null || true
    # A call brings back only a few files: one archive holds them all.
    (cd "$out" && tar -czf results.tgz --remove-files -- *.json *.log *.md *.txt *.svg 2>/dev/null) || true
    return
  fi
  # fp16 is the production setting: the full sweep and the whole pipeline on web images, then the same pipeline on
  # camera photos (decode-bound: its target is 0.9 of what decoding allows on the host's cores). fp32 and WebGPU: the
  # model alone, at the batches that mattered in ../shared/docs/GPU.md (WebGPU peaked at 32 there).
  if [ $cuda = yes ]; then
    bench cuda fp16 raw,decode,e2e,pipeline 32,64,128,256,512 240 web web
    bench cuda fp16 raw,decode,e2e,pipeline 256 150 photos photos
    bench cuda fp32 raw 128,256 90
  fi
  bench webgpu fp32 raw 32,64 120
  # Each run wrote bench-<tag>.md beside its JSON, starting with its row of docs/benchmarks.md's GPU table.
  cat "$out"/bench-*.md >"$out/gpu-rows.md" 2>/dev/null && cat "$out/gpu-rows.md" >&2 || true
}

case "${1:-}" in
  pack) pack ;;
  unpack) unpack ;;
  run) run "${2:-full}" ;;
  *) echo "usage: bench/gpu.sh pack | unpack | run [quick|pipeline]" >&2; exit 2 ;;
esac
