# syntax=docker/dockerfile:1.7
# Slim Node 20 image for the CPU-side apps: metaclip-producer and metaclip-dashboard (one image, the command picks).
# Build from the repository root:  docker build -f infra/docker/app.Dockerfile -t metaclip-batch/app .
ARG NODE_IMAGE=node:20-bookworm-slim

# The workspace manifests, for both installs below. Copied before the sources, so source edits do not invalidate the
# npm layers.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
# onnxruntime-node's install script would download CUDA libraries; the CPU apps never load them.
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

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app /app
# Bins, manifests and assets from the context, the JavaScript from the build stage.
COPY . .
COPY --from=build /compiled/ /app/
USER node
EXPOSE 3000
# Dashboard by default; compose and Kubernetes override the command for the producer.
ENTRYPOINT ["node"]
CMD ["apps/dashboard/bin/metaclip-dashboard.js"]
