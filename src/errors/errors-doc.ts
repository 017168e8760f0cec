/**
 * Renders docs/errors.md from the catalogues. `npm run docs:errors` writes it; a test fails
 * when the committed file differs, so the docs cannot fall behind the code.
 */
import { ERROR_CATALOGUE, JOB_FAILURE_CATALOGUE } from './catalogue.js';

export function renderErrorsDoc(): string {
  const requestRows = Object.entries(ERROR_CATALOGUE)
    .sort(([, a], [, b]) => a.status - b.status)
    .map(
      ([code, spec]) => `| \`${code}\` | ${spec.status} | ${spec.title} | ${spec.description} |`,
    );
  const jobRows = Object.entries(JOB_FAILURE_CATALOGUE).map(
    ([code, description]) => `| \`${code}\` | ${description} |`,
  );
  return `<!-- Generated from src/errors/catalogue.ts by \`npm run docs:errors\`. Do not edit by hand. -->
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

## Job failure codes

A job that fails is not an HTTP error: reading it succeeds, and its \`error\` is
\`{ code, message }\` with one of these codes. Messages are safe to show; details of
unexpected errors stay in the server log.

| code | when |
| --- | --- |
${jobRows.join('\n')}
`;
}
