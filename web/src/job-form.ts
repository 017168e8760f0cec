/**
 * The submit form, generated from GET /job-types: one field per property of the chosen type's
 * input schema (numbers, text, booleans), with the schema's limits and defaults; and the
 * optional webhook to call back about the job (its URL, and which events).
 */
import type {
  Client,
  JobTypeInfo,
  JsonSchema,
  WebhookRequest,
  WebhookEventMode,
} from '../../src/client/index.js';
import { byId, el } from './dom.js';

export interface JobRequest {
  type: string;
  input: Record<string, unknown>;
  /** Absent when the webhook URL is left empty. */
  webhook?: WebhookRequest;
}

export class JobForm {
  readonly #select = byId('job-type', HTMLSelectElement);
  readonly #fields = byId('job-fields', HTMLDivElement);
  readonly #description = byId('job-type-description', HTMLSpanElement);
  readonly #webhookUrl = byId('webhook-url', HTMLInputElement);
  readonly #webhookEvents = byId('webhook-events', HTMLSelectElement);
  #types: JobTypeInfo[] = [];

  async load(client: Client): Promise<void> {
    this.#types = await client.jobTypes();
    this.#select.replaceChildren(...this.#types.map((type) => el('option', { text: type.name })));
    this.#select.value = this.#types.some((type) => type.name === 'demo') ? 'demo' : '';
    this.#select.addEventListener('change', () => {
      this.#render();
    });
    this.#render();
  }

  /** The chosen type, the input its fields describe (empty optional fields left out), the webhook. */
  read(): JobRequest {
    const input: Record<string, unknown> = {};
    for (const field of this.#fields.querySelectorAll('input')) {
      const name = field.name;
      if (field.type === 'checkbox') input[name] = field.checked;
      else if (field.value === '') continue;
      else input[name] = field.type === 'number' ? Number(field.value) : field.value;
    }
    const url = this.#webhookUrl.value.trim();
    // The server checks the URL (and its address) and answers in words when it refuses it.
    const events: WebhookEventMode = this.#webhookEvents.value === 'all' ? 'all' : 'terminal';
    const webhook: WebhookRequest | undefined = url === '' ? undefined : { url, events };
    return { type: this.#select.value, input, ...(webhook && { webhook }) };
  }

  #render(): void {
    const type = this.#types.find((candidate) => candidate.name === this.#select.value);
    this.#description.textContent = type?.description ?? '';
    const schema = type?.inputSchema;
    const required = new Set(schema?.required ?? []);
    const fields = Object.entries(schema?.properties ?? {}).map(([name, property]) =>
      field(name, property, required.has(name)),
    );
    this.#fields.replaceChildren(...fields);
  }
}

function field(name: string, schema: JsonSchema, required: boolean): HTMLLabelElement {
  const input = el('input');
  input.name = name;
  input.id = `input-${name}`;
  input.required = required;
  if (schema.type === 'integer' || schema.type === 'number') {
    input.type = 'number';
    input.step = schema.type === 'integer' ? '1' : 'any';
    if (schema.minimum !== undefined) input.min = String(schema.minimum);
    if (schema.maximum !== undefined) input.max = String(schema.maximum);
  } else if (schema.type === 'boolean') {
    input.type = 'checkbox';
    input.checked = schema.default === true;
  } else {
    input.type = 'text';
    if (schema.maxLength !== undefined) input.maxLength = schema.maxLength;
  }
  const initial = schema.default;
  if (typeof initial === 'number' || typeof initial === 'string') input.value = String(initial);
  return el('label', { text: `${name} `, title: schema.description ?? '' }, input);
}
