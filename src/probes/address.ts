/** `host`, `host:port`, `[v6]:port` and bare IPv6 addresses. */
import { isIP } from 'node:net';

export const SMTP_PORT = 25;

const HOSTNAME = /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

export function isHostName(text: string): boolean {
  return HOSTNAME.test(text);
}

/** A host name or an IPv4/IPv6 address literal. */
export function isValidHost(text: string): boolean {
  return isIP(text) !== 0 || HOSTNAME.test(text);
}

export interface HostPort {
  host: string;
  port: number;
}

/** Parses an address; returns an error message instead of throwing. */
export function parseHostPort(text: string, defaultPort = SMTP_PORT): HostPort | string {
  const s = text.trim();
  if (s === '') return 'empty address';
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
    if (isIP(host) !== 6) return `"${host}" in brackets is not an IPv6 address`;
  } else if (isIP(s) === 6) {
    host = s;
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0) {
      host = s.slice(0, colon);
      portText = s.slice(colon + 1);
    } else host = s;
    if (host.includes(':')) return `"${s}": write IPv6 addresses with a port as [address]:port`;
  }
  if (!isValidHost(host)) return `"${s}": invalid host "${host}"`;
  if (portText === undefined) return { host, port: defaultPort };
  if (!/^[0-9]{1,5}$/.test(portText)) return `"${s}": invalid port "${portText}"`;
  const port = Number(portText);
  if (port < 1 || port > 65535) return `"${s}": port ${port} out of range 1-65535`;
  return { host, port };
}

/** `host:port`, with IPv6 addresses in brackets. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
