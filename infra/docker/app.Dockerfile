# syntax=docker/dockerfile:1.7
# Slim Node 20 image for the CPU-side apps: metaclip-producer and metaclip-dashboard (one image, the command picks).
# Build from the repository root:  docker build -f infra/docker/app.Dockerfile -t metaclip-batch/app .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# onnxruntime-node's install script would download CUDA libraries; the CPU apps never load them.
ENV ONNXRUNTIME_NODE_INSTALL=skip
# Manifests first, so source edits do not invalidate the npm layer.
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
COPY libs/search/package.json libs/search/
COPY libs/settings/package.json libs/settings/
COPY libs/storage/package.json libs/storage/
COPY libs/telemetry/package.json libs/telemetry/
# Dev dependencies stay: the bins run TypeScript through tsx, which is a root devDependency.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app /app
COPY . .
USER node
EXPOSE 3000
# Dashboard by default; compose and Kubernetes override the command for the producer.
ENTRYPOINT ["node"]
CMD ["apps/dashboard/bin/metaclip-dashboard.js"]
