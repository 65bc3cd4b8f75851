// Files that configure what runs without asking: the editor's settings (and so Pipewright's own
// guardrails), git hooks, CI workflows and MCP server configuration. Editing them always needs
// typed confirmation, whoever proposes it. Also CI, hooks and dev-container setup: they run code.
const PROTECTED = [
  /^\.vscode(\/|$)/i,
  /^\.git(\/|$)/i,
  /^\.github(\/|$)/i,
  /^\.husky(\/|$)/i,
  /^\.devcontainer(\/|$)/i,
  /^\.gitlab-ci\.ya?ml$/i,
  /^\.pre-commit-config\.ya?ml$/i,
  /(^|\/)\.envrc$/i,
  /(^|\/)\.?mcp\.json$/i,
  /^\.cursor(\/|$)/i,
  /\.code-workspace$/i,
];

/** `path` is workspace-relative; it is normalised first so `./a/../.vscode/x` counts too. */
export function isProtectedPath(path: string): boolean {
  const parts: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  const normal = parts.join('/');
  return PROTECTED.some((re) => re.test(normal));
}
