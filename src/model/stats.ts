/**
 * The body of GET /stats: the live figures the dashboard charts. A TypeBox schema, so the route
 * validates against it and the SDK gets its type from the same definition.
 */
import Type, { type Static } from 'typebox';

export const Stats = Type.Object({
  eventLoopDelayMs: Type.Object({
    p50: Type.Number(),
    p99: Type.Number(),
    max: Type.Number(),
    windowMs: Type.Number(),
  }),
  openConnections: Type.Object(
    {
      'long-polling': Type.Integer({ description: 'Long polls held now.' }),
      sse: Type.Integer({ description: 'Open event streams.' }),
      websocket: Type.Integer({ description: 'Open WebSocket connections.' }),
    },
    { description: 'Connections each transport holds open (short polls are never held).' },
  ),
  activeJobs: Type.Integer(),
});

export type ServerStats = Static<typeof Stats>;
