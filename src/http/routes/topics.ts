/**
 * Publishing over HTTP: `POST /topics/{topic}/messages` lets a backend (with an API key when
 * authentication is on) publish to a `chat:<room>` topic. Subscribers receive it exactly as a
 * WebSocket client's publish — it goes through the same door, the engine's topics — and the
 * same rules hold: the room name, the message size (--ws-max-payload), JSON depth and the
 * per-key publish rate (--publish-rate-per-key).
 */
import Type from 'typebox';
import { AppError } from '../../model/errors/app-error.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../model/json-depth.js';
import type { JobEngine } from '../../jobs/engine.js';
import type { Guards } from '../../edge/guards.js';
import { guardedProblems, jsonBody } from '../../edge/responses.js';
import type { App } from '../../edge/app-type.js';

export interface TopicRoutesOptions {
  engine: JobEngine;
  guards: Guards;
  /** The largest message, in bytes of JSON: a WebSocket frame's limit. */
  maxMessageBytes: number;
}

const Room = Type.String({
  pattern: '^chat:[A-Za-z0-9_.-]{1,64}$',
  description: 'A message topic, chat:<room> (job topics are written by the server).',
  examples: ['chat:lobby'],
});

export function topicRoutes(app: App, options: TopicRoutesOptions): void {
  const { engine, guards, maxMessageBytes } = options;
  app.post(
    '/topics/:topic/messages',
    {
      schema: {
        operationId: 'publishMessage',
        summary: 'Publish a message to a topic (for backends)',
        description:
          "Every subscriber of the topic (WebSocket `subscribe`) receives `data` as an `event` message, exactly as a client's publish. At-most-once: nothing is kept for subscribers that join later.",
        tags: ['push'],
        params: Type.Object({ topic: Room }),
        body: Type.Object(
          { data: Type.Unknown({ description: 'Any JSON value, delivered as it is.' }) },
          { additionalProperties: false },
        ),
        response: {
          202: jsonBody(
            Type.Object({ topic: Type.String() }),
            'Handed to the topic’s current subscribers.',
          ),
          ...guardedProblems(413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const { data } = request.body;
      if (nestsDeeperThan(data, MAX_JSON_DEPTH)) {
        throw new AppError('invalid_request', `data nests deeper than ${MAX_JSON_DEPTH} levels`);
      }
      if (Buffer.byteLength(JSON.stringify(data)) > maxMessageBytes) {
        throw new AppError(
          'payload_too_large',
          `a message may carry at most ${maxMessageBytes} bytes of JSON`,
        );
      }
      // Only a message that could be delivered takes from the key's rate.
      await guards.checkPublish(request);
      const topic = request.params.topic as `chat:${string}`;
      await engine.topics.publish(topic, data);
      return reply.code(202).send({ topic });
    },
  );
}
