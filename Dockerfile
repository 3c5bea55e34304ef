# The API for a server deployment (docker-compose.yml; README "Deployment"). Two stages: the first compiles
# the TypeScript to JavaScript; the image runs that with node alone and production dependencies only (no
# tsx, no TypeScript; docs/decisions.md, issue 20: deployment). The compiled files keep their source paths
# (src/…, migrations/…), so the code finds data/ and web/ beside them as it does in a checkout.
# test/deploy/image.test.ts lays out what this file copies, runs its npm steps and starts its CMD: it knows
# FROM, WORKDIR, ENV, COPY [--from], RUN (npm …, mkdir, chown), USER, VOLUME, EXPOSE, HEALTHCHECK and CMD.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist/src ./src
COPY --from=build /app/dist/migrations ./migrations
# Read at run time: the region table, the holiday calendars, the web console.
COPY data/regions ./data/regions
COPY data/calendar ./data/calendar
COPY web ./web
ENV HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
VOLUME /data
EXPOSE 3000
USER node
# The slim image has no curl: node asks /health (200 when the database answers and the migrations are current).
# docker-compose.yml states the same command (no $ in it: compose would substitute).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The node flags of `npm start` (a 64 MiB young generation: docs/decisions.md, issue 16).
CMD ["node", "--max-semi-space-size=64", "src/server.js"]
