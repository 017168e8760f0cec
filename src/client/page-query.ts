/** `path?limit=…&cursor=…` for the paged lists (webhooks, schedules): only what was given. */
export function pagePath(path: string, page: { limit?: number; cursor?: string }): string {
  const params = new URLSearchParams();
  if (page.limit !== undefined) params.set('limit', String(page.limit));
  if (page.cursor !== undefined) params.set('cursor', page.cursor);
  return params.size > 0 ? `${path}?${params.toString()}` : path;
}
