// The exact text of one result value, shared by the grid (filter, sort) and the writers (copy,
// export): NULL is empty, objects and arrays are JSON, decimals stay the connector's exact text.
export function exactText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
