/**
 * Credentials that must not let anyone in — none, an unknown key, a token where a key is
 * needed, expired, tampered and forged tokens — and the routes to try them on, with and
 * without a job id. Every one of them must get `401 unauthorized` (`invalid_token` for a bad
 * token) with `WWW-Authenticate`,
 * whatever job it names. Also the routes that are public, which need nothing.
 */
import { AccessTokens } from '../../../src/auth/access-token.js';
import { BOB, TOKEN_SECRET, TOKEN_TTL, bearer } from './access-scene.js';

export interface BadCredential {
  name: string;
  headers: Record<string, string>;
  /** `access_token=…` or empty. */
  query: string;
  /** Good on stream routes (a valid token): bad only where a key is required. */
  keyRoutesOnly?: boolean;
}

const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** The tokens are JWTs (header.payload.signature) signed by the server. */
export async function badCredentials(
  bobToken: string,
  aliceToken: string,
): Promise<BadCredential[]> {
  const tokens = new AccessTokens(TOKEN_SECRET, TOKEN_TTL);
  const expired = (await tokens.issue('bob', Date.now() - 2 * TOKEN_TTL)).token;
  const otherSecret = (
    await new AccessTokens('another-secret-0123456789abcdefghij', TOKEN_TTL).issue('bob')
  ).token;
  const [header = '', payload = '', signature = ''] = bobToken.split('.');
  const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
  // Bob's claims with alice's signature, alice's claims with a later expiry, and bob's claims
  // unsigned (`alg: none`).
  const [, aliceClaims = '', aliceSignature = ''] = aliceToken.split('.');
  const forged = `${header}.${payload}.${aliceSignature}`;
  const claims = JSON.parse(Buffer.from(aliceClaims, 'base64url').toString()) as object;
  const later = { ...claims, exp: Math.floor(Date.now() / 1000) + 86_400 };
  const stretched = `${header}.${b64(JSON.stringify(later))}.${aliceSignature}`;
  const unsigned = `${b64(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
  return [
    { name: 'no credentials', headers: {}, query: '' },
    { name: 'an unknown key', headers: bearer('not-a-key-0123456789abcdef'), query: '' },
    { name: 'a key without "Bearer"', headers: { authorization: BOB }, query: '' },
    {
      name: 'Basic authentication',
      headers: { authorization: `Basic ${Buffer.from(`bob:${BOB}`).toString('base64')}` },
      query: '',
    },
    { name: 'a token as a key', headers: bearer(bobToken), query: '' },
    { name: 'an expired token (query)', headers: {}, query: `access_token=${expired}` },
    { name: 'an expired token (cookie)', headers: { cookie: `bp_token=${expired}` }, query: '' },
    { name: "another server's token", headers: {}, query: `access_token=${otherSecret}` },
    {
      name: 'a tampered signature',
      headers: {},
      query: `access_token=${header}.${payload}.${flipped}`,
    },
    { name: 'an unsigned token (alg: none)', headers: {}, query: `access_token=${unsigned}` },
    { name: "bob's name, alice's signature", headers: { cookie: `bp_token=${forged}` }, query: '' },
    { name: "alice's token, stretched", headers: {}, query: `access_token=${stretched}` },
    { name: 'an empty token', headers: {}, query: 'access_token=' },
    {
      name: "bob's valid token (query)",
      headers: {},
      query: `access_token=${bobToken}`,
      keyRoutesOnly: true,
    },
    {
      name: "bob's valid token (cookie)",
      headers: { cookie: `bp_token=${bobToken}` },
      query: '',
      keyRoutesOnly: true,
    },
  ];
}

export interface GuardedRoute {
  name: string;
  method: string;
  /** The path for a job id (ignored by routes without one). */
  path: (id: string) => string;
  /** Takes an access token (event streams, the WebSocket upgrade). */
  stream: boolean;
  /** Names a job: compared for someone else's job and a missing one. */
  hasId: boolean;
  body?: string;
}

const JSON_BODY = JSON.stringify({ type: 'ticker', input: { events: 1 } });

export const GUARDED_ROUTES: readonly GuardedRoute[] = [
  { name: 'GET /jobs/:id', method: 'GET', path: (id) => `/jobs/${id}`, stream: false, hasId: true },
  {
    name: 'HEAD /jobs/:id',
    method: 'HEAD',
    path: (id) => `/jobs/${id}`,
    stream: false,
    hasId: true,
  },
  {
    name: 'GET /check-status',
    method: 'GET',
    path: (id) => `/check-status?jobId=${id}`,
    stream: false,
    hasId: true,
  },
  {
    name: 'long poll',
    method: 'GET',
    path: (id) => `/jobs/${id}?after=0&wait=20`,
    stream: false,
    hasId: true,
  },
  {
    name: 'DELETE /jobs/:id',
    method: 'DELETE',
    path: (id) => `/jobs/${id}`,
    stream: false,
    hasId: true,
  },
  {
    name: 'GET /jobs/:id/events',
    method: 'GET',
    path: (id) => `/jobs/${id}/events`,
    stream: true,
    hasId: true,
  },
  {
    name: 'GET /events?jobs=',
    method: 'GET',
    path: (id) => `/events?jobs=${id}`,
    stream: true,
    hasId: true,
  },
  {
    name: 'GET /events?jobs=&topics=jobs',
    method: 'GET',
    path: (id) => `/events?jobs=${id}&topics=jobs`,
    stream: true,
    hasId: true,
  },
  { name: 'GET /jobs', method: 'GET', path: () => '/jobs', stream: false, hasId: false },
  {
    name: 'POST /jobs',
    method: 'POST',
    path: () => '/jobs',
    stream: false,
    hasId: false,
    body: JSON_BODY,
  },
  { name: 'POST /submit', method: 'POST', path: () => '/submit', stream: false, hasId: false },
  {
    name: 'POST /auth/token',
    method: 'POST',
    path: () => '/auth/token',
    stream: false,
    hasId: false,
  },
  {
    name: 'GET /events?topics=jobs',
    method: 'GET',
    path: () => '/events?topics=jobs',
    stream: true,
    hasId: false,
  },
  // Activity across keys: behind authentication since issue 18.
  { name: 'GET /stats', method: 'GET', path: () => '/stats', stream: false, hasId: false },
];

/** Public: answered without credentials (redirects included). */
export const PUBLIC_ROUTES: readonly string[] = [
  '/healthz',
  '/metrics',
  '/openapi.json',
  '/errors/job_not_found',
  '/job-types',
  '/',
  '/dashboard.js',
  '/dashboard.css',
  '/sse',
  '/sse/',
  '/push',
  '/push/',
];

export const UNAUTHORIZED_HEADER = 'www-authenticate: Bearer realm="backend-patterns"';
