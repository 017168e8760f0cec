/**
 * The watched job's webhook deliveries, as they happen (`client.deliveries.watch`, the
 * `deliveries:<id>` WebSocket topic): one entry per delivery with its event, state and next
 * attempt, every attempt with its status code, latency and error, and Redeliver on a dead one.
 * A job has deliveries when its submit asked for a webhook or a registered endpoint of its key
 * wants its events, so every watched job is followed.
 */
import type { Client, Delivery, DeliveryAttempt } from '../../src/client/index.js';
import { byId, el, formatMs, messageOf, timeOf } from './dom.js';

export class WebhookPanel {
  readonly #list = byId('deliveries', HTMLOListElement);
  readonly #state = byId('deliveries-state', HTMLSpanElement);
  readonly #client: Client;

  constructor(client: Client) {
    this.#client = client;
  }

  /** Follows `jobId`'s deliveries until `signal` aborts (a new job is watched, the page goes). */
  watch(jobId: string, signal: AbortSignal): void {
    this.#list.replaceChildren();
    this.#state.textContent = '(connecting)';
    this.#client.deliveries.watch(jobId, {
      signal,
      onDeliveries: (deliveries) => {
        if (signal.aborted) return;
        this.#list.replaceChildren(...deliveries.map((delivery) => this.#entry(delivery)));
        this.#state.textContent = deliveries.length === 0 ? '(none yet)' : '';
      },
      onState: (state, detail) => {
        if (signal.aborted || state === 'live' || state === 'closed') return;
        this.#state.textContent = detail ? `(${state}: ${detail})` : `(${state})`;
      },
      onError: (error) => {
        if (!signal.aborted) this.#state.textContent = `(${error.message})`;
      },
    });
  }

  #entry(delivery: Delivery): HTMLLIElement {
    const next =
      delivery.state === 'pending' && delivery.nextAttemptAt
        ? `next attempt ${timeOf(delivery.nextAttemptAt)}`
        : '';
    const summary = el(
      'p',
      {},
      el('span', { text: `job.${delivery.kind}`, className: 'event' }),
      el('span', { text: delivery.state, className: `state delivery-${delivery.state}` }),
      el('span', {
        text: delivery.endpointId ? `endpoint ${delivery.endpointId}` : delivery.url,
        className: 'target',
      }),
      el('span', { text: next, className: 'next', title: delivery.nextAttemptAt ?? '' }),
    );
    const attempts = el('ol', { className: 'attempts' }, ...delivery.attempts.map(attemptRow));
    const entry = el('li', { title: `webhook-id ${delivery.id}` }, summary, attempts);
    entry.dataset.deliveryId = delivery.id;
    entry.dataset.state = delivery.state;
    if (delivery.state === 'dead') summary.append(this.#redeliverButton(delivery));
    return entry;
  }

  #redeliverButton(delivery: Delivery): HTMLButtonElement {
    const button = el('button', { text: 'Redeliver', className: 'redeliver' });
    button.type = 'button';
    button.addEventListener('click', () => {
      button.disabled = true;
      // The topic brings the delivery back as pending; only a refusal needs showing here.
      this.#client.deliveries.redeliver(delivery.jobId, delivery.id).catch((error: unknown) => {
        button.disabled = false;
        this.#state.textContent = `(${messageOf(error)})`;
      });
    });
    return button;
  }
}

function attemptRow(attempt: DeliveryAttempt): HTMLLIElement {
  const answer = attempt.statusCode === undefined ? 'no response' : String(attempt.statusCode);
  const row = el(
    'li',
    { title: attempt.at },
    el('span', { text: `#${attempt.attempt}`, className: 'attempt' }),
    el('span', { text: answer, className: 'status-code' }),
    el('span', { text: formatMs(attempt.latencyMs), className: 'latency' }),
    el('span', { text: timeOf(attempt.at), className: 'at' }),
    el('span', { text: attempt.error ?? '', className: 'error' }),
  );
  row.dataset.attempt = String(attempt.attempt);
  row.dataset.ok = String(attempt.error === undefined);
  return row;
}
