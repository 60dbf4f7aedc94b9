/**
 * The HTTP(S) endpoint: a route table of handlers, optional TLS and an optional authorisation check
 * (exporter-toolkit web config). It knows nothing about metrics: handlers return the body.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { ExporterError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface HttpResponse {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export type RouteHandler = (url: URL) => Promise<HttpResponse> | HttpResponse;

export interface HttpServerOptions {
  host: string;
  port: number;
  routes: Record<string, RouteHandler>;
  /** When set, serve HTTPS with these options. */
  tls?: https.ServerOptions;
  /** Checks the Authorization header (and the TLS socket, for client-certificate rules); false answers 401. */
  authorize?: (authorization: string | undefined, socket: Socket) => boolean | Promise<boolean>;
  logger: Logger;
}

export interface HttpServer {
  /** The bound address (port resolved when 0 was asked for). */
  address(): { host: string; port: number };
  close(): Promise<void>;
}

function send(res: http.ServerResponse, r: HttpResponse): void {
  res.writeHead(r.status, { 'Content-Type': r.contentType, ...r.headers });
  res.end(r.body);
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { routes, logger } = options;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void (async () => {
      try {
        if (options.authorize && !(await options.authorize(req.headers.authorization, req.socket))) {
          send(res, {
            status: 401,
            contentType: 'text/plain; charset=utf-8',
            body: 'Unauthorized\n',
            headers: { 'WWW-Authenticate': 'Basic realm="smtp-tls-exporter"' },
          });
          return;
        }
        const url = new URL(req.url ?? '/', 'http://localhost');
        const route = routes[url.pathname];
        if (!route) {
          send(res, { status: 404, contentType: 'text/plain; charset=utf-8', body: 'Not Found\n' });
          return;
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          send(res, { status: 405, contentType: 'text/plain; charset=utf-8', body: 'Method Not Allowed\n' });
          return;
        }
        send(res, await route(url));
      } catch (err) {
        logger.error('request failed', { path: req.url, err });
        if (!res.headersSent) send(res, { status: 500, contentType: 'text/plain; charset=utf-8', body: 'Internal Server Error\n' });
        else res.end();
      }
    })();
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new ExporterError('LISTEN_FAILED', `cannot listen on ${options.host}:${options.port}: ${err.message}`, { cause: err })),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  server.on('error', (err) => logger.error('http server error', { err }));
  const addr = server.address() as AddressInfo;
  return {
    address: () => ({ host: addr.address, port: addr.port }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
