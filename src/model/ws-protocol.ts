/**
 * The WebSocket protocol (docs/protocol.md): JSON text messages, each an object with a `type`.
 * This file validates what clients send and types what the server sends. Nothing a client sends
 * can throw past `parseClientMessage`: bad JSON, unknown types and bad fields all come back as
 * catalogue errors for an `error` message.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { AppError } from './errors/app-error.js';
import type { ErrorCode } from './errors/catalogue.js';
import { isJobId, type Job, type JobEvent } from './job.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import { fieldErrors } from './schema-errors.js';
import type { Delivery } from './webhook.js';

/** Echoed in the answer to a request, so a client can match them. */
const RequestId = Type.Union([Type.String({ maxLength: 64 }), Type.Integer()]);
const TopicText = Type.String({ minLength: 1, maxLength: 128 });

const strict = { additionalProperties: false } as const;
const CLIENT_SCHEMAS = {
  subscribe: Type.Object(
    {
      type: Type.Literal('subscribe'),
      topic: TopicText,
      /** Job topics: replay the events after this seq, then continue live. */
      after: Type.Optional(Type.Integer({ minimum: 0 })),
      /** Chat topics: announce this name to the room (join/leave notices, member count). */
      name: Type.Optional(Type.String({ pattern: '^[^\\u0000-\\u001f\\u007f]{1,40}$' })),
      id: Type.Optional(RequestId),
    },
    strict,
  ),
  unsubscribe: Type.Object(
    { type: Type.Literal('unsubscribe'), topic: TopicText, id: Type.Optional(RequestId) },
    strict,
  ),
  publish: Type.Object(
    {
      type: Type.Literal('publish'),
      topic: TopicText,
      data: Type.Unknown(),
      id: Type.Optional(RequestId),
    },
    strict,
  ),
  credit: Type.Object(
    {
      type: Type.Literal('credit'),
      n: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      id: Type.Optional(RequestId),
    },
    strict,
  ),
} as const satisfies Record<string, TSchema>;

type ClientType = keyof typeof CLIENT_SCHEMAS;
export type ClientMessage = {
  [K in ClientType]: Static<(typeof CLIENT_SCHEMAS)[K]>;
}[ClientType];
export type RequestId = Static<typeof RequestId>;

const VALIDATORS = Object.fromEntries(
  Object.entries(CLIENT_SCHEMAS).map(([type, schema]) => [type, Compile(schema as TSchema)]),
) as Record<ClientType, Validator>;
const CLIENT_TYPES = Object.keys(CLIENT_SCHEMAS) as ClientType[];

export type ParseResult =
  { ok: true; message: ClientMessage } | { ok: false; error: AppError; id?: RequestId };

export function parseClientMessage(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: new AppError('malformed_json', 'the message is not valid JSON') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('a message is a JSON object with a "type"');
  }
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
    return invalid(`a message may nest at most ${MAX_JSON_DEPTH} levels deep`);
  }
  const record = value as Record<string, unknown>;
  const id = typeof record.id === 'string' || typeof record.id === 'number' ? record.id : undefined;
  const type = record.type;
  if (typeof type !== 'string' || !Object.hasOwn(VALIDATORS, type)) {
    return invalid(`"type" must be one of: ${CLIENT_TYPES.join(', ')}`, id);
  }
  const validator = VALIDATORS[type as ClientType];
  if (!validator.Check(value)) {
    const errors = fieldErrors(validator.Errors(value), '');
    const detail = errors.map((e) => `${e.field || 'message'} ${e.message}`).join('; ');
    return { ok: false, error: new AppError('invalid_message', detail, { errors }), id };
  }
  return { ok: true, message: value as ClientMessage };
}

function invalid(detail: string, id?: RequestId): ParseResult {
  return { ok: false, error: new AppError('invalid_message', detail), id };
}

export type ParsedTopic =
  | { kind: 'job'; topic: `job:${string}`; jobId: string }
  | { kind: 'jobs'; topic: 'jobs' }
  | { kind: 'chat'; topic: `chat:${string}` }
  | { kind: 'deliveries'; topic: `deliveries:${string}`; jobId: string };

const ROOM = /^chat:[A-Za-z0-9_.-]{1,64}$/;

/** Names the topic's kind, or says what is wrong with it. */
export function parseTopic(topic: string): ParsedTopic | AppError {
  if (topic === 'jobs') return { kind: 'jobs', topic };
  if (topic.startsWith('job:')) {
    const jobId = topic.slice(4);
    if (!isJobId(jobId)) return new AppError('invalid_job_id', `${jobId} is not a job id`);
    return { kind: 'job', topic: `job:${jobId}`, jobId };
  }
  if (topic.startsWith('deliveries:')) {
    const jobId = topic.slice('deliveries:'.length);
    if (!isJobId(jobId)) return new AppError('invalid_job_id', `${jobId} is not a job id`);
    return { kind: 'deliveries', topic: `deliveries:${jobId}`, jobId };
  }
  if (ROOM.test(topic)) return { kind: 'chat', topic: topic as `chat:${string}` };
  return new AppError(
    'invalid_topic',
    `"${topic}" is not job:<id>, jobs, deliveries:<id> or chat:<room>`,
  );
}

/** What the server sends. `seq` orders a topic's messages; see docs/protocol.md. */
export type ServerMessage =
  | {
      type: 'welcome';
      heartbeatMs: number;
      maxPayload: number;
      maxSubscriptions: number;
      publishPerSecond: number;
    }
  /** `seq` (chat topics): the topic's last message number; the first one this client gets is seq + 1. */
  | { type: 'subscribed'; topic: string; id?: RequestId; seq?: number }
  | { type: 'unsubscribed'; topic: string; reason: 'requested' | 'ended'; id?: RequestId }
  | { type: 'published'; topic: string; id: RequestId }
  | { type: 'snapshot' | 'reset'; topic: string; seq: number; job: Job }
  | { type: 'event'; topic: string; seq: number; data: JobEvent; conflated?: number }
  | { type: 'event'; topic: string; seq: number; at: string; data: unknown }
  | {
      type: 'presence';
      topic: string;
      seq: number;
      at: string;
      event: 'join' | 'leave';
      name: string;
      members: number;
    }
  /**
   * A job's webhook deliveries (`deliveries:<id>`): first all of them (`snapshot`), then each
   * time some change (a new one, an attempt recorded, a redelivery) the ones that changed.
   */
  | { type: 'deliveries'; topic: string; snapshot: boolean; deliveries: Delivery[] }
  | { type: 'heartbeat'; at: string }
  | {
      type: 'error';
      code: ErrorCode;
      message: string;
      id?: RequestId;
      topic?: string;
      [extension: string]: unknown;
    };

/** The `error` message for a catalogue error, about request `id` and/or `topic`. */
export function errorMessage(
  error: AppError,
  about: { id?: RequestId; topic?: string } = {},
): ServerMessage {
  return {
    ...error.extensions,
    type: 'error',
    code: error.code,
    message: error.message,
    ...(about.id === undefined ? {} : { id: about.id }),
    ...(about.topic === undefined ? {} : { topic: about.topic }),
  };
}
