# Build: the full dependencies, compiled to dist/ (npm ci runs the build through `prepare`).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund && rm -rf node_modules/.cache

# Runtime: the compiled code and the production dependencies only.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin/runstream.js ./bin/runstream.js
# The blob store's directory, owned by the runtime user, so a volume mounted there starts writable.
RUN mkdir -p /var/lib/runstream/blobs && chown -R node:node /var/lib/runstream
ENV RUNSTREAM_BLOB_DIR=/var/lib/runstream/blobs
USER node
ENTRYPOINT ["node", "bin/runstream.js"]
