import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import type { AddressInfo } from 'node:net';

/** Test-only: serves one handler on 127.0.0.1 and returns the body of GET path. */
export async function fetchFromHandler(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  path = '/metrics',
): Promise<{ status: number; contentType: string | null; body: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      body: await res.text(),
    };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * Test-only: InMemorySpanExporter forgets its spans on shutdown, which is exactly the moment a
 * flush test needs to look at them.
 */
export class RetainingSpanExporter extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Test-only: the same for log records. */
export class RetainingLogRecordExporter extends InMemoryLogRecordExporter {
  override shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
