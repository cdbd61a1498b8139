#!/usr/bin/env bash
# GPU check for a CUDA machine (docs/running.md, "GPU check"); never needed by CI. In ≤ 8 minutes it:
#   1. checks the machine: nvidia-smi sees a GPU; cuDNN 9 and TensorRT 10 libraries are on the loader path;
#   2. installs onnxruntime-node's GPU providers: its own postinstall (script/install.js), which npm ci skips here
#      (ONNXRUNTIME_NODE_INSTALL=skip), run with ONNXRUNTIME_NODE_INSTALL=cuda12: it downloads
#      Microsoft.ML.OnnxRuntime.Gpu.Linux of the same version from api.nuget.org into the binding's folder
#      (libonnxruntime_providers_{shared,cuda,tensorrt}.so);
#   3. makes sure node-llama-cpp's prebuilt CUDA binary (@node-llama-cpp/linux-x64-cuda, from the npm registry) is
#      there and loads;
#   4. runs bench/runtime/gpu.ts (each vision model on cpu / cuda / tensorrt with the engine cache on; the planner
#      with and without GPU layers) → bench/results/vision-gpu.json, planner-gpu.json;
#   5. runs the vision-pipeline bench (--quick) on TensorRT, then on CUDA (the TensorRT provider library moved aside, so
#      the loader's provider order falls through to CUDA) → bench/results/vision-pipeline-{tensorrt,cuda}-gpu.json with
#      the provider of each model and the step/bare ratios; the committed CPU results are left as they were.
# Each step fails fast with one line naming what is missing. Usage: scripts/gpu-check.sh [--no-install]
set -euo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)
INSTALL=1
[ "${1:-}" = "--no-install" ] && INSTALL=0

fail() {
  echo "gpu-check: FAILED: $*" >&2
  echo "gpu-check: after $(($(date +%s) - START)) s; see docs/running.md, \"GPU check\"" >&2
  exit 69
}
step() { echo "gpu-check: [$(($(date +%s) - START)) s] $*"; }
# Seconds left of the 8-minute budget (470 s, a margin for the last step), as a timeout for the next command.
left() {
  local s=$((START + 470 - $(date +%s)))
  [ "$s" -gt 5 ] || fail "out of the 8-minute budget"
  echo "$s"
}

ORT_DIR=node_modules/onnxruntime-node
ORT_VERSION=$(node -p "require('./$ORT_DIR/package.json').version")
ORT_LIBS="$ORT_DIR/bin/napi-v6/linux/x64"
LLAMA_VERSION=$(node -p "require('./node_modules/node-llama-cpp/package.json').version")

# 1. the machine
step "machine: $(uname -m), node $(node --version), onnxruntime-node $ORT_VERSION, node-llama-cpp $LLAMA_VERSION"
[ "$(uname -s)/$(uname -m)" = "Linux/x86_64" ] ||
  fail "onnxruntime-node ships CUDA providers for linux/x64 only (this is $(uname -s)/$(uname -m))"
command -v nvidia-smi >/dev/null || fail "no nvidia-smi: this machine has no NVIDIA driver (CUDA provider cannot load)"
GPU=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 1) ||
  fail "nvidia-smi found no GPU: $GPU"
step "GPU: $GPU"
libs=$(ldconfig -p 2>/dev/null || true)
grep -q 'libcudnn\.so\.9' <<<"$libs" ||
  fail "cuDNN 9 (libcudnn.so.9) is not on the loader path: the CUDA provider needs it (apt install libcudnn9-cuda-12)"
grep -q 'libcublasLt\.so\.12' <<<"$libs" ||
  fail "CUDA 12 cuBLAS (libcublasLt.so.12) is not on the loader path (apt install cuda-libraries-12-x)"
grep -q 'libnvinfer\.so\.10' <<<"$libs" ||
  fail "TensorRT 10 (libnvinfer.so.10) is not on the loader path: the TensorRT provider needs it" \
    "(apt install libnvinfer10 libnvinfer-plugin10 libnvonnxparsers10)"

# 2. onnxruntime-node's GPU providers
if [ "$INSTALL" = 1 ]; then
  step "installing onnxruntime-node's CUDA/TensorRT providers" \
    "(its postinstall with ONNXRUNTIME_NODE_INSTALL=cuda12; downloads from api.nuget.org)"
  (cd "$ORT_DIR" && ONNXRUNTIME_NODE_INSTALL=cuda12 timeout "$(left)" node script/install.js) ||
    fail "onnxruntime-node's install script could not fetch Microsoft.ML.OnnxRuntime.Gpu.Linux $ORT_VERSION (no network to api.nuget.org?)"
fi
for lib in libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so libonnxruntime_providers_tensorrt.so; do
  [ -f "$ORT_LIBS/$lib" ] || fail "$ORT_LIBS/$lib is missing: the GPU providers are not installed (run without --no-install, with network)"
done
step "onnxruntime GPU providers present in $ORT_LIBS"

# 3. node-llama-cpp's CUDA build
if [ ! -d node_modules/@node-llama-cpp/linux-x64-cuda ]; then
  [ "$INSTALL" = 1 ] || fail "node_modules/@node-llama-cpp/linux-x64-cuda is missing (node-llama-cpp's prebuilt CUDA binary)"
  step "installing @node-llama-cpp/linux-x64-cuda@$LLAMA_VERSION from the npm registry"
  timeout "$(left)" npm install --no-save --no-audit --no-fund "@node-llama-cpp/linux-x64-cuda@$LLAMA_VERSION" ||
    fail "could not install @node-llama-cpp/linux-x64-cuda@$LLAMA_VERSION from the npm registry"
fi
backend=$(node --input-type=module -e "
  import { getLlama } from 'node-llama-cpp';
  const l = await getLlama({ gpu: 'cuda', build: 'never', skipDownload: true, progressLogs: false });
  process.stdout.write(String(l.gpu)); await l.dispose();" 2>&1 | tail -n 1) || true
[ "$backend" = "cuda" ] || fail "node-llama-cpp's CUDA build does not load: $backend"
step "node-llama-cpp backend: cuda"

# 4. per-provider vision numbers and the planner
step "bench/runtime/gpu.ts: every vision model on cpu, cuda, tensorrt (engine cache var/cache/trt-engines-gpu-check); planner GPU vs CPU"
timeout "$(left)" node --import tsx bench/runtime/gpu.ts --cache var/cache/trt-engines-gpu-check ||
  fail "bench/runtime/gpu.ts failed (above)"

# 5. the vision pipeline bench (step/bare per model, chain fps) on TensorRT, then CUDA
keep=$(mktemp -d)
cp bench/results/vision-pipeline.json bench/results/vision-pipeline.md bench/results/SUMMARY.md "$keep/" 2>/dev/null || true
restore() {
  [ -f "$ORT_LIBS/libonnxruntime_providers_tensorrt.so.off" ] &&
    mv "$ORT_LIBS/libonnxruntime_providers_tensorrt.so.off" "$ORT_LIBS/libonnxruntime_providers_tensorrt.so"
  cp "$keep"/* bench/results/ 2>/dev/null || true
}
trap restore EXIT
for provider in tensorrt cuda; do
  trt="$ORT_LIBS/libonnxruntime_providers_tensorrt.so"
  if [ "$provider" = cuda ]; then mv "$trt" "$trt.off"; fi
  step "vision-pipeline bench (--quick) on $provider"
  timeout "$(left)" node --import tsx bench/run.ts vision-pipeline --quick || fail "vision-pipeline bench failed on $provider (above)"
  node -e "
    const r = require('./bench/results/vision-pipeline.json');
    const used = Object.entries(r.metrics).filter(([k]) => k.endsWith('_provider'));
    const wrong = used.filter(([, v]) => v !== '$provider');
    if (wrong.length > 0) {
      console.error('gpu-check: FAILED: models not on $provider: ' + wrong.map(([k, v]) => k + '=' + v).join(', '));
      process.exit(69);
    }
    const stepBare = Object.fromEntries(Object.entries(r.ratios).filter(([k]) => k.endsWith('_step_ratio')));
    const out = { ...r, name: 'vision-pipeline-$provider-gpu', providers: Object.fromEntries(used), step_bare: stepBare };
    require('fs').writeFileSync('bench/results/vision-pipeline-$provider-gpu.json', JSON.stringify(out, null, 2) + '\n');
    console.log('gpu-check: $provider step/bare ' + JSON.stringify(stepBare));
  " || exit 69
done
step "done: bench/results/vision-gpu.json planner-gpu.json vision-pipeline-tensorrt-gpu.json vision-pipeline-cuda-gpu.json"
