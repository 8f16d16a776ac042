# syntax=docker/dockerfile:1.7
# GPU worker: CUDA 13 + cuDNN runtime, Node 20, onnxruntime-node 1.29 with its CUDA execution provider.
# Build from the repository root:  docker build -f infra/docker/worker.Dockerfile -t metaclip-batch/worker .
# Run: docker run --gpus device=0 metaclip-batch/worker --model /models/m --queue q --metrics-port 9464
ARG NODE_IMAGE=node:20-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04
# The CUDA provider must be built for exactly the onnxruntime-node version in package-lock.json (1.29.0) and for
# CUDA 13; this package ships that pair (see ../shared/docs/GPU.md).
ARG ORT_CUDA_PACKAGE=com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9

# The workspace manifests, for both installs below. Copied before the sources, so source edits do not invalidate the
# npm layers.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
# onnxruntime-node's install script downloads CUDA libraries from a feed that is often unreachable; we bring the
# provider ourselves in the ort-cuda stage.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
COPY apps/cli/package.json apps/cli/
COPY apps/dashboard/package.json apps/dashboard/
COPY apps/producer/package.json apps/producer/
COPY apps/worker/package.json apps/worker/
COPY libs/errors/package.json libs/errors/
COPY libs/float16/package.json libs/float16/
COPY libs/jobs/package.json libs/jobs/
COPY libs/metaclip/package.json libs/metaclip/
COPY libs/pipeline/package.json libs/pipeline/
COPY libs/random/package.json libs/random/
COPY libs/search/package.json libs/search/
COPY libs/settings/package.json libs/settings/
COPY libs/storage/package.json libs/storage/
COPY libs/telemetry/package.json libs/telemetry/

# Compiles every workspace to dist/ (tsc -b); the only stage with dev dependencies. Scripts wait for the sources
# (`prepare` compiles).
FROM manifests AS build
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && mkdir /compiled && cp -r --parents libs/*/dist apps/*/dist /compiled/

# Production dependencies only. Scripts stay off: `prepare` would compile again with the dev-only tsc, and the
# native packages need none here (sharp and usearch ship prebuilt binaries; onnxruntime-node's download is skipped).
FROM manifests AS deps
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS ort-cuda
ARG ORT_CUDA_PACKAGE
WORKDIR /ort
RUN npm pack "${ORT_CUDA_PACKAGE}" --silent \
  && tar -xzf ./*.tgz \
  && test -f package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so \
  && test -f package/Plugins/Linux/x64/libonnxruntime_providers_shared.so

FROM ${CUDA_IMAGE} AS runtime
# Node from the official image: same binary as the build stage, so native addons (sharp, onnxruntime) match.
COPY --from=deps /usr/local/bin/node /usr/local/bin/node
ENV NODE_ENV=production \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    METACLIP_CACHE=/cache/metaclip-batch \
    HF_HOME=/cache/huggingface
WORKDIR /app
COPY --from=deps /app /app
# Bins, manifests and assets from the context, the JavaScript from the build stage.
COPY . .
COPY --from=build /compiled/ /app/
# onnxruntime loads providers from the directory of libonnxruntime.so.1.
COPY --from=ort-cuda /ort/package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so \
     /ort/package/Plugins/Linux/x64/libonnxruntime_providers_shared.so \
     /app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/
# Unprivileged user; /cache holds converted ONNX models and hub downloads (mount a volume to keep them).
RUN useradd --system --uid 10001 --home-dir /cache --create-home metaclip
USER metaclip
EXPOSE 9464
ENTRYPOINT ["node", "apps/worker/bin/metaclip-worker.cjs"]
CMD ["--help"]
