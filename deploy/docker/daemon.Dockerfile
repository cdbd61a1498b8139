# The HomeSight daemon image (the DaemonSet of deploy/kubeedge/daemon). Build from the repository root:
#   docker build -f deploy/docker/daemon.Dockerfile -t ghcr.io/homesight/homesight-daemon:0.1.0 .
# It runs what a systemd install runs: `npm run build` → dist/, then `node bin/homesight.js run`. ffmpeg comes from
# the @ffmpeg-installer dependency, onnxruntime's CPU provider from onnxruntime-node; models are NOT in the image
# (the node's /opt/homesight/models, filled by scripts/fetch-models.sh), so one image serves every model set.
# For a Jetson build this Dockerfile on the device (arm64); the GPU providers are scripts/gpu-check.sh's business.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# node-gyp for better-sqlite3 and the sd_notify addon (native/)
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY native/ native/
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
# the systemd unit's settings (systemd/homesight.service): the compiled tree, and the measured RSS savings
ENV NODE_ENV=production HOMESIGHT_RUNTIME=dist MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules/ node_modules/
COPY --from=build /app/native/ native/
COPY --from=build /app/dist/ dist/
COPY --from=build /app/bin/ bin/
COPY --from=build /app/models/ models/
ENTRYPOINT ["node", "--max-semi-space-size=1", "bin/homesight.js"]
CMD ["run"]
