/**
 * How deeply a parsed JSON value nests, measured without recursion. A 64 KiB body or message
 * can nest 30,000 levels deep; cloning, validating, hashing or serialising such a value
 * recursively overflows the stack (a RangeError: a 500, or a chat message silently lost), so
 * job inputs and WebSocket messages are measured first and refused.
 */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests more than `max` arrays or objects deep. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}
