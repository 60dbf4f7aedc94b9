/** The small HTML page served at `/`. */

export function landingPage(version: string, extraPaths: string[]): string {
  const links = ['/metrics', '/healthz', ...extraPaths]
    .map((p) => `<li><a href="${p}">${p}</a></li>`)
    .join('\n      ');
  return `<!DOCTYPE html>
<html lang="en">
  <head><meta charset="utf-8"><title>smtp-tls-exporter</title></head>
  <body>
    <h1>smtp-tls-exporter ${version}</h1>
    <p>Prometheus exporter for SMTP STARTTLS: TLS outcomes from mail logs and active STARTTLS probes.</p>
    <ul>
      ${links}
    </ul>
  </body>
</html>
`;
}
