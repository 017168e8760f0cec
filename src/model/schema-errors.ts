/**
 * Turns JSON Schema validation errors (TypeBox's or Ajv's, which share the shape) into the
 * `errors` list of a problem document: one `{ field, message }` per offending field, with
 * fields written as dotted paths (`input.stepMs`).
 */
export interface FieldError {
  field: string;
  message: string;
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: object;
}

export function fieldErrors(errors: readonly SchemaError[], root: string): FieldError[] {
  const result: FieldError[] = [];
  const seen = new Set<string>();
  const add = (field: string, message: string) => {
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    result.push({ field, message });
  };
  for (const error of errors) {
    const path = pathOf(root, error.instancePath);
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required') {
      for (const name of listParam(params, 'requiredProperties', 'missingProperty')) {
        add(pathOf(path, `/${name}`), 'is required');
      }
    } else if (error.keyword === 'additionalProperties') {
      for (const name of listParam(params, 'additionalProperties', 'additionalProperty')) {
        add(pathOf(path, `/${name}`), 'is not an allowed field');
      }
    } else if (error.keyword === 'boolean') {
      // TypeBox reports each extra property as a `false` schema; say what that means.
      add(path, 'is not an allowed field');
    } else {
      add(path, error.message ?? `fails ${error.keyword}`);
    }
  }
  return result;
}

function listParam(params: Record<string, unknown>, listKey: string, singleKey: string): string[] {
  const list = params[listKey];
  if (Array.isArray(list)) return list.map(String);
  const single = params[singleKey];
  return typeof single === 'string' ? [single] : [];
}

function pathOf(root: string, instancePath: string): string {
  const parts = instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  return [root, ...parts].filter(Boolean).join('.');
}
