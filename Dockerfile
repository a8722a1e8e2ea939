# holdfast API and worker image (docker-compose.yml runs it as `migrate`, `temporal-setup`, `api`
# and `worker`).
# TypeScript runs from source through tsx, so there is no build step: the image is the
# production dependencies plus the source.
FROM node:20.20.2-bookworm-slim

# NPM_CONFIG_SCRIPT_SHELL: `npm run` starts scripts through a shell. Debian's /bin/sh (dash) keeps
# itself between npm and tsx and dies on SIGTERM without passing it on, orphaning the app, so
# `docker stop` would never reach the API's or the worker's graceful shutdown. bash execs a
# script's single command, so SIGTERM goes npm → tsx → node.
ENV NODE_ENV=production \
    NPM_CONFIG_SCRIPT_SHELL=/bin/bash \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# The npm that wrote package-lock.json; it also understands package.json's `allowScripts`
# (npm 11.16+), which the npm bundled with Node 20 ignores.
RUN npm install --global npm@11.19.1 && npm cache clean --force

WORKDIR /app

# Dependencies first, so this layer is cached until package.json or the lockfile changes. Both are
# needed: `npm ci` installs exactly the lockfile, and package.json carries the `overrides` the
# lockfile was resolved with and `allowScripts` (the install scripts expected to run: esbuild for
# tsx, @swc/core for the worker's workflow bundler, protobufjs for the gRPC client).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# The source (see .dockerignore), owned by root and read-only to the runtime user.
COPY . .

# Run as the image's unprivileged `node` user (uid 1000); tsx caches compiled files in /tmp.
USER node

EXPOSE 3000
CMD ["npm", "run", "start:api"]
