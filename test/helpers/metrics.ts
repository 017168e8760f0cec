/**
 * Reads one sample from a server's Prometheus /metrics text (0 when it is absent). Each read is
 * a fresh connection that closes after the answer, so polling metrics leaves no keep-alive
 * sockets or timers behind to disturb what a test counts. An injected server is read in process.
 */
import { get } from 'node:http';
import { isInProcess, routedFetch } from './in-process-fetch.js';

export async function metricValue(
  url: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = isInProcess(url)
    ? await (await routedFetch(`${url}/metrics`)).text()
    : await overTheNetwork(`${url}/metrics`);
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    if (wanted.every((pair) => labelText.split(',').includes(pair))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return 0;
}

async function overTheNetwork(url: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve(body);
      });
    }).on('error', reject);
  });
}
