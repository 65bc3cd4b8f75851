/** Only scheme, host and port of a URL: a base URL may carry credentials in its user-info or query. */
export function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'an invalid URL';
  }
}
