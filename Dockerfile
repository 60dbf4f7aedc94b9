# syntax=docker/dockerfile:1
#
# smtp-tls-exporter container image.
#
#   docker build -t smtp-tls-exporter .
#   docker run -d --name smtp-tls-exporter -p 127.0.0.1:10465:10465 --group-add 4 \
#     -v /var/log/mail.log:/var/log/mail.log:ro \
#     -v smtp-tls-state:/var/lib/smtp-tls-exporter \
#     smtp-tls-exporter

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---- build: all dependencies, compile TypeScript to dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# ---- deps: production dependencies only
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HEALTHCHECK_URL=http://127.0.0.1:10465/healthz
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY dashboards ./dashboards
# `docker run … smtp-tls-exporter demo` replays this sample log.
COPY demo/mail.log ./demo/mail.log
# Follows /var/log/mail.log; mount your own file over it to change anything.
COPY config/smtp-tls-exporter.docker.yml /etc/smtp-tls-exporter/config.yml
RUN mkdir -p /var/lib/smtp-tls-exporter /etc/smtp-tls-exporter \
 && chown node:node /var/lib/smtp-tls-exporter \
 && chmod 0750 /var/lib/smtp-tls-exporter

# The unprivileged user of the official node image (uid/gid 1000). To read a mail log owned by
# group adm, add that group at run time: `docker run --group-add 4 …` (gid of adm on Debian/Ubuntu).
USER node

# Offsets and open-session state survive restarts here (state_dir).
VOLUME ["/var/lib/smtp-tls-exporter"]

EXPOSE 10465

# No curl in the image: Node does the request. 200 is healthy; 401 too (the endpoint answers but
# wants credentials from --web.config.file). Set HEALTHCHECK_URL for another port or https.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const u=new URL(process.env.HEALTHCHECK_URL||'http://127.0.0.1:10465/healthz');require(u.protocol==='https:'?'https':'http').get(u,{rejectUnauthorized:false,timeout:4000},r=>{r.resume();process.exit(r.statusCode===200||r.statusCode===401?0:1)}).on('timeout',()=>process.exit(1)).on('error',()=>process.exit(1))"]

ENTRYPOINT ["node", "dist/main.js"]
CMD ["--config", "/etc/smtp-tls-exporter/config.yml", "--state-dir", "/var/lib/smtp-tls-exporter"]
