// The `pgpass` package (node-postgres's own ~/.pgpass reader) ships no types.
declare module 'pgpass' {
  function pgpass(connInfo: Record<string, unknown>, callback: (password?: string) => void): void;
  export default pgpass;
}
