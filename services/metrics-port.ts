// The metrics on a listener of their own (HANGAR_METRICS_PORT), for every role: a process of the
// image proxy alone has no API to serve them. Plain HTTP without credentials, as Prometheus
// exporters are: it listens on loopback unless HANGAR_METRICS_BIND says otherwise.
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Metrics } from './metrics';

export interface MetricsListener {
  port: number;
  stop(): Promise<void>;
}

export async function serveMetrics(metrics: Metrics, port: number, bind: string): Promise<MetricsListener> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?', 1)[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Only GET /metrics is served here\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('The metrics could not be collected\n'),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, bind, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
