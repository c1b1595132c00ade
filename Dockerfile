# syntax=docker/dockerfile:1
#
# The Cairn operator image: src/ compiled by tsc, production dependencies only, and the schema engine
# (validator.wasm), on Node 24 slim, running as a non-root user with nothing to write (works with
# readOnlyRootFilesystem: true).
#
#   npm run image -- stage-schema-engine   # .cairn/image/validator.wasm, once per engine version
#   docker build -t cairn-operator:dev .
#
# The engine is not built here: tools/binaries builds it once from the pinned Go module
# (tools/go/validator, the same bytes every test and the parity run use) and `npm run image` copies it
# into the build context. A Go stage would need golang's image and the Go module proxy inside the
# build, which not every builder can reach, and would ship bytes no test ran.
#
# `npm run image` builds it with this file as it is (tools/image: Docker, or Podman on a stand-in base
# where Docker Hub is out of reach); test/integration/deploy/image-container.test.ts runs the image as
# the chart runs the pod; test/unit/deploy/image.test.ts lints this file and checks the rules above.

ARG NODE_VERSION=24.21.0

# --- build: compile src/ to dist/ with the pinned TypeScript -------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the `node` devDependency would fetch a second Node; this image's Node is 24.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

# --- deps: production dependencies only -----------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# --- runtime ----------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# Nothing at run time needs npm, npx, corepack or yarn: remove them (less to scan, less to exploit).
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=0:0 /app/node_modules ./node_modules
COPY --from=deps --chown=0:0 /app/package.json ./package.json
# Where the operator looks for it by default (dist/../engine): declared schemas work without a flag.
# Before dist/: the engine changes with its Go module only, so its layer is reused across releases.
COPY --chown=0:0 .cairn/image/validator.wasm ./engine/validator.wasm
COPY --from=build --chown=0:0 /src/dist ./dist
# Files are owned by root and not writable by the process; it runs as an unprivileged numeric user
# (so runAsNonRoot can verify it) and writes nothing: logs go to stdout.
USER 65532:65532
EXPOSE 8080
# The operator's Node/V8 flags: exactly src/node-flags.ts (OPERATOR_NODE_FLAGS), which the tests and
# the benchmark run with too; test/unit/deploy/image.test.ts checks they agree.
ENTRYPOINT ["node", "--max-semi-space-size=8", "/app/dist/main.js"]
