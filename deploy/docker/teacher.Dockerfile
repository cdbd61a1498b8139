# The cloud teacher image (deploy/kubernetes/teacher). Build from the repository root:
#   docker build -f deploy/docker/teacher.Dockerfile -t ghcr.io/homesight/homesight-teacher:0.1.0 .
#   docker build -f deploy/docker/teacher.Dockerfile --target trainer -t ghcr.io/homesight/homesight-trainer:0.1.0 .
# The teacher runs as `npm run cloud` does: its TypeScript sources through tsx (cloud/ is not part of the dist/
# build, which is the daemon's). The `trainer` target is the training Job's: Python, CUDA torch, the trainer scripts.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY native/ native/
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN npm ci --omit=dev

FROM node:20-bookworm-slim AS teacher
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules/ node_modules/
COPY --from=deps /app/native/ native/
COPY package.json tsconfig.json ./
COPY cloud/ cloud/
# the teacher validates plans with the agent's own code (daemon/agent) and shares daemon/system
COPY daemon/ daemon/
USER node
EXPOSE 8787
ENTRYPOINT ["node", "--import", "tsx", "cloud/server.ts"]
CMD ["--config", "/etc/homesight-teacher/teacher.yaml"]

# The training Job's image: Python with a CUDA build of torch and the trainer scripts only (the teacher keeps the
# store, the blob store and the signing key; the Job reads and writes files in its scratch volume).
FROM pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime AS trainer
WORKDIR /app
RUN pip install --no-cache-dir numpy sentencepiece
COPY cloud/trainer/*.py cloud/trainer/
USER 1000
ENTRYPOINT ["python", "cloud/trainer/train_lora.py"]
