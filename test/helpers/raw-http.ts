import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

/**
 * Writes `chunks` to a fresh TCP connection (each after the previous one is flushed) and reads
 * until the server closes it. For requests fetch refuses to send.
 */
export async function rawRequest(url: string, chunks: (string | Buffer)[]): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: head, body });
    });
    socket.on('connect', () => {
      const writeNext = (i: number) => {
        const chunk = chunks[i];
        if (chunk === undefined) return;
        socket.write(chunk, () => {
          writeNext(i + 1);
        });
      };
      writeNext(0);
    });
  });
}
