/**
 * Renders docs/errors.md from the catalogues. `npm run docs:errors` writes it; a test fails
 * when the committed file differs, so the docs cannot fall behind the code.
 */
import { ERROR_CATALOGUE, JOB_FAILURE_CATALOGUE, type ErrorSpec } from './catalogue.js';

/** Close codes the server or the ws library use that no catalogue error stands for. */
const OTHER_CLOSE_CODES: readonly [number, string][] = [
  [1000, 'normal closure: one side ended the connection on purpose'],
  [1002, 'protocol error: the frames broke RFC 6455 (enforced by the ws library)'],
  [1006, 'no close frame (seen by the client): the server terminated a peer that missed its pong'],
  [1007, 'a text message that is not valid UTF-8 (enforced by the ws library)'],
  [
    1008,
    'policy violation: one message in more than 16,384 fragments (enforced by the ws library)',
  ],
];

export function renderErrorsDoc(): string {
  const specs: [string, ErrorSpec][] = Object.entries(ERROR_CATALOGUE);
  const requestRows = specs
    .filter(([, spec]) => spec.websocketOnly !== true)
    .sort(([, a], [, b]) => a.status - b.status)
    .map(
      ([code, spec]) => `| \`${code}\` | ${spec.status} | ${spec.title} | ${spec.description} |`,
    );
  const socketRows = specs
    .filter(([, spec]) => spec.websocketOnly === true)
    .map(([code, spec]) => {
      const sentAs =
        spec.wsCloseCode === undefined ? '`error` message' : `close ${spec.wsCloseCode}`;
      return `| \`${code}\` | ${sentAs} | ${spec.title} | ${spec.description} |`;
    });
  const closeRows = [
    ...specs.flatMap(([code, spec]) =>
      spec.wsCloseCode === undefined
        ? []
        : [[spec.wsCloseCode, `\`${code}\`: ${spec.title}`] as const],
    ),
    ...OTHER_CLOSE_CODES,
  ]
    .sort(([a], [b]) => a - b)
    .map(([closeCode, meaning]) => `| ${closeCode} | ${meaning} |`);
  const jobRows = Object.entries(JOB_FAILURE_CATALOGUE).map(
    ([code, description]) => `| \`${code}\` | ${description} |`,
  );
  return `<!-- Generated from src/model/errors/catalogue.ts by \`npm run docs:errors\`. Do not edit by hand. -->
# Errors

Every error answer is an [RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) problem document,
sent as \`application/problem+json\`:

\`\`\`json
{
  "type": "/errors/invalid_input",
  "title": "Invalid job input",
  "status": 400,
  "detail": "input.stepMs must be >= 10",
  "code": "invalid_input",
  "instance": "/jobs",
  "errors": [{ "field": "input.stepMs", "message": "must be >= 10" }]
}
\`\`\`

- \`code\` is stable: program against it, not against \`title\` or \`detail\`.
- \`type\` resolves on the server: \`GET /errors/<code>\` describes the code.
- Some codes add members: \`errors\` (one entry per bad field), \`knownTypes\`
  (\`unknown_job_type\`), \`jobId\` (\`idempotency_key_reused\`), \`status\` (\`job_finished\`).
- No bad input produces a 500; \`internal_error\` means a fault on our side.

## Request errors

| code | HTTP | title | when |
| --- | --- | --- | --- |
${requestRows.join('\n')}

## WebSocket errors

On a WebSocket (\`/ws\`, [docs/protocol.md](protocol.md)) an error is an \`error\` message,
\`{ "type": "error", "code", "message", "id"?, "topic"?, "errors"? }\`, with a code from the
table above when one fits (\`malformed_json\`, \`invalid_job_id\`, \`job_not_found\`,
\`shutting_down\`, \`internal_error\`) or one of these, which only the WebSocket transport uses.
The connection stays open unless the code names a close code. A refused upgrade is an HTTP
answer with a problem document (\`invalid_request\` for a malformed handshake,
\`origin_not_allowed\`, \`too_many_connections\`, \`shutting_down\`).

| code | sent as | title | when |
| --- | --- | --- | --- |
${socketRows.join('\n')}

### Close codes

| close code | meaning |
| --- | --- |
${closeRows.join('\n')}

## Job failure codes

A job that fails is not an HTTP error: reading it succeeds, and its \`error\` is
\`{ code, message }\` with one of these codes, or one of its job type's own (snake_case, thrown
as a \`JobFailure\`: see [job-types.md](job-types.md#failures-with-stable-codes)). Messages are
safe to show; details of unexpected errors stay in the server log.

| code | when |
| --- | --- |
${jobRows.join('\n')}
`;
}
