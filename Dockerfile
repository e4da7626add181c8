# One image for every xiang-iiot service (platform, edge-agent, simulators); docker-compose picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY protocol/package.json protocol/
COPY simulators/package.json simulators/
COPY edge-agent/package.json edge-agent/
COPY platform/package.json platform/
# Full install: services run TypeScript through tsx (a root devDependency); no separate build step.
RUN npm ci
COPY protocol protocol
COPY simulators simulators
COPY edge-agent edge-agent
COPY platform platform
COPY deploy deploy
ENV NODE_ENV=production
USER node
