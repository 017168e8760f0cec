/**
 * `backend-patterns webhooks …`: registered webhook endpoints through the SDK
 * (`client.webhooks`): create, list, get, update, delete, rotate-secret. `create` and
 * `rotate-secret` print the endpoint's secret, the only times it is shown.
 */
import { Command, Option } from 'commander';
import type { WebhookEndpoint, WebhookEndpointPage } from '../client/index.js';
import { WEBHOOK_EVENT_MODES, type WebhookEventMode } from '../model/webhook.js';
import { clientCommand, print, withClient, type CommonFlags } from './client-commands.js';
import { parseLimit, wholeNumber } from './client-flags.js';
import { EXIT } from './exit-codes.js';

interface EndpointFlags extends CommonFlags {
  events?: WebhookEventMode;
  description?: string | false;
}

function describeEndpoint(e: WebhookEndpoint): string {
  const lines = [`${e.id}  ${e.events}  ${e.url}`];
  if (e.description !== undefined) lines.push(`  ${e.description}`);
  if (e.previousSecretExpiresAt !== undefined) {
    lines.push(`  previous secret signs until ${e.previousSecretExpiresAt}`);
  }
  return lines.join('\n');
}

function endpointTable(page: WebhookEndpointPage): string {
  const rows = page.webhooks.map(describeEndpoint);
  if (rows.length === 0) rows.push('no webhook endpoints');
  if (page.nextCursor !== null) rows.push(`more: --cursor ${page.nextCursor}`);
  return rows.join('\n');
}

const secretNote = (secret: string) => `secret ${secret}\n  (shown only now: keep it)`;

export function webhookCommands(): Command {
  const events = () =>
    new Option('--events <mode>', 'terminal: the end of each job; all: every event').choices(
      WEBHOOK_EVENT_MODES,
    );

  const create = clientCommand('create', 'Register an endpoint for every job of this key.')
    .argument('<url>', 'http(s) URL to POST signed events to')
    .addOption(events().default('terminal'))
    .option('--description <text>', 'what the endpoint is for')
    .action(async (url: string, flags: EndpointFlags) => {
      await withClient(flags, async (client) => {
        const { events: mode, description } = flags;
        const created = await client.webhooks.create({
          url,
          events: mode,
          ...(typeof description === 'string' && { description }),
        });
        print(flags, created, `${describeEndpoint(created)}\n${secretNote(created.secret)}`);
        return EXIT.ok;
      });
    });

  const list = clientCommand('list', 'List endpoints, newest first.')
    .option('--limit <n>', 'endpoints per page, 1–100', parseLimit, 20)
    .option('--cursor <cursor>', 'the next page, from a previous answer')
    .action(async (flags: CommonFlags & { limit: number; cursor?: string }) => {
      await withClient(flags, async (client) => {
        const page = await client.webhooks.list({ limit: flags.limit, cursor: flags.cursor });
        print(flags, page, endpointTable(page));
        return EXIT.ok;
      });
    });

  const get = clientCommand('get', 'Print an endpoint (without its secret).')
    .argument('<id>', 'endpoint id')
    .action(async (id: string, flags: CommonFlags) => {
      await withClient(flags, async (client) => {
        const endpoint = await client.webhooks.get(id);
        print(flags, endpoint, describeEndpoint(endpoint));
        return EXIT.ok;
      });
    });

  const update = clientCommand('update', "Change an endpoint's URL, events or description.")
    .argument('<id>', 'endpoint id')
    // Not --url: that is the server's address, as on every client command.
    .option('--endpoint-url <url>', 'the new URL to POST to')
    .addOption(events())
    .option('--description <text>', 'the new description')
    .option('--no-description', 'remove the description')
    .action(async (id: string, flags: EndpointFlags & { endpointUrl?: string }) => {
      await withClient(flags, async (client) => {
        const description = flags.description === false ? null : flags.description;
        const changed = await client.webhooks.update(id, {
          ...(flags.endpointUrl !== undefined && { url: flags.endpointUrl }),
          ...(flags.events !== undefined && { events: flags.events }),
          ...(description !== undefined && { description }),
        });
        print(flags, changed, describeEndpoint(changed));
        return EXIT.ok;
      });
    });

  const remove = clientCommand('delete', 'Delete an endpoint; no more events go to it.')
    .argument('<id>', 'endpoint id')
    .action(async (id: string, flags: CommonFlags) => {
      await withClient(flags, async (client) => {
        await client.webhooks.delete(id);
        print(flags, { deleted: id }, `deleted ${id}`);
        return EXIT.ok;
      });
    });

  const rotate = clientCommand('rotate-secret', 'Give an endpoint a new signing secret.')
    .argument('<id>', 'endpoint id')
    .option(
      '--overlap <seconds>',
      'how long the old secret keeps signing beside the new one (server default 86400)',
      wholeNumber,
    )
    .action(async (id: string, flags: CommonFlags & { overlap?: number }) => {
      await withClient(flags, async (client) => {
        const rotated = await client.webhooks.rotateSecret(id, { overlapSeconds: flags.overlap });
        print(flags, rotated, `${describeEndpoint(rotated)}\n${secretNote(rotated.secret)}`);
        return EXIT.ok;
      });
    });

  return new Command('webhooks')
    .description('Registered webhook endpoints: every job of this key is reported to each.')
    .addCommand(create)
    .addCommand(list)
    .addCommand(get)
    .addCommand(update)
    .addCommand(remove)
    .addCommand(rotate);
}
