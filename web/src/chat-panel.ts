/**
 * The push chapter's chat, through the SDK's `client.chat()`: join the lobby under a name, see
 * who comes and goes, send messages. Every message is shown as text.
 */
import type { ChatEntry, ChatRoom, Client } from '../../src/client/index.js';
import { byId, el } from './dom.js';

const KEPT = 200;

export class ChatPanel {
  readonly #messages = byId('chat-messages', HTMLOListElement);
  readonly #state = byId('chat-state', HTMLSpanElement);
  readonly #members = byId('chat-members', HTMLSpanElement);
  readonly #text = byId('chat-text', HTMLInputElement);
  readonly #send = byId('chat-send-button', HTMLButtonElement);
  #room: ChatRoom | undefined;

  constructor(client: Client) {
    const name = byId('chat-name', HTMLInputElement);
    byId('chat-join', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      this.#room?.close();
      this.#room = client.chat('lobby', {
        name: name.value,
        onEntry: (entry) => {
          this.#show(entry);
        },
      });
    });
    byId('chat-send', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      if (this.#room?.send(this.#text.value)) this.#text.value = '';
    });
  }

  #show(entry: ChatEntry): void {
    switch (entry.kind) {
      case 'state':
        this.#state.textContent = `(${entry.state}${entry.detail ? `: ${entry.detail}` : ''})`;
        this.#text.disabled = this.#send.disabled = entry.state !== 'joined';
        return;
      case 'presence':
        this.#members.textContent = `${entry.members} in the lobby`;
        this.#line(`${entry.name} ${entry.event === 'join' ? 'joined' : 'left'}`, 'notice');
        return;
      case 'message':
        this.#line(`${entry.name}: ${entry.text}`);
        return;
      case 'error':
        this.#line(`error ${entry.code}: ${entry.message}`, 'error');
        return;
    }
  }

  #line(text: string, className?: string): void {
    this.#messages.append(el('li', { text, className }));
    while (this.#messages.childElementCount > KEPT) this.#messages.firstElementChild?.remove();
    this.#messages.scrollTop = this.#messages.scrollHeight;
  }
}
