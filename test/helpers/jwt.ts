/**
 * An identity provider for tests: keys the test generates (jose), tokens signed with them, and
 * a real JWKS endpoint on 127.0.0.1:0 whose key set can be rotated or made to hang. Plus
 * `injector`, which sends requests through `app.inject()` and checks each answer against the
 * server's OpenAPI document, as fetch responses are.
 */
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { onTestFinished } from 'vitest';
import type { Server } from '../../src/server.js';
import { watchServer } from './contract/recorder.js';
import { forgetInProcessOrigin, registerInProcessOrigin } from './in-process-fetch.js';

export const AUDIENCE = 'https://jobs.example.com';
export const ISSUER = 'https://idp.example.com/';
export const SHARED_SECRET = 'idp-shared-secret-0123456789abcdef';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function signingKey(
  alg: 'RS256' | 'ES256' | 'EdDSA',
  kid: string,
): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    kid,
    alg,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
  };
}

/** Claims a test token carries unless it overrides them: valid for the server, for an hour. */
export function claimsFor(sub: string, now = Date.now(), extra: JWTPayload = {}): JWTPayload {
  const iat = Math.floor(now / 1000);
  return { sub, aud: AUDIENCE, iss: ISSUER, iat, exp: iat + 3600, ...extra };
}

export async function signWithKey(key: SigningKey, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .sign(key.privateKey);
}

export async function signWithSecret(claims: JWTPayload, secret = SHARED_SECRET): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}

/** The same claims, unsigned: `alg: none`. */
export function unsigned(claims: JWTPayload): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

export interface JwksServer {
  url: string;
  /** Requests the key set has answered so far. */
  readonly fetches: number;
  /** The keys served from now on. */
  setKeys(keys: readonly SigningKey[]): void;
  /** From now on, requests are held open and never answered. */
  hang(): void;
  /** Answers requests again (those held stay unanswered). */
  resume(): void;
}

/** A real JWKS endpoint on 127.0.0.1:0, closed when the test finishes. */
export async function startJwksServer(keys: readonly SigningKey[]): Promise<JwksServer> {
  let current = keys;
  let hanging = false;
  let fetches = 0;
  const held: ServerResponse[] = [];
  const server = createServer((_request, response) => {
    if (hanging) {
      held.push(response);
      return;
    }
    fetches++;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: current.map((k) => k.publicJwk) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(async () => {
    for (const response of held) response.destroy();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    setKeys(next) {
      current = next;
    },
    hang() {
      hanging = true;
    },
    resume() {
      hanging = false;
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: Record<string, unknown>;
}

/**
 * Requests through `app.inject()` (in-process-fetch.ts), each answer checked against the
 * OpenAPI document as every fetch response is.
 */
export function injector(server: Server) {
  const origin = registerInProcessOrigin(server.app);
  onTestFinished(() => {
    forgetInProcessOrigin(origin);
  });
  watchServer(origin);
  return async (
    method: 'GET' | 'POST' | 'DELETE' | 'HEAD',
    url: string,
    token?: string,
    payload?: object,
  ): Promise<Answer> => {
    const response = await fetch(`${origin}${url}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    const text = await response.text();
    const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    return { status: response.status, headers: Object.fromEntries(response.headers), body };
  };
}
