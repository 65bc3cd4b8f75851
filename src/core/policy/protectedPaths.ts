// Files that change what runs without asking: the editor's settings (and so Pipewright's own
// guardrails), git internals and hooks, CI, dev containers, MCP and other agents' settings, and
// everything a package manager, build tool, test runner, interpreter or dbt executes on install,
// build, test or run. Editing them always needs typed confirmation, whoever proposes it. They
// count wherever they sit (a nested package's package.json runs too) and in any case (macOS and
// Windows file systems ignore case).

interface ProtectedRule {
  pattern: RegExp;
  why: string;
}

// Each pattern is matched against the normalised workspace-relative path, lower-cased.
const ANYWHERE = (names: string) => new RegExp(`(^|/)(${names})$`);
const FOLDER = (names: string) => new RegExp(`(^|/)(${names})(/|$)`);

const RULES: readonly ProtectedRule[] = [
  { pattern: FOLDER(String.raw`\.vscode|\.idea|\.zed|\.devcontainer|\.git|\.githooks|\.husky|\.lefthook`), why: 'configures the editor, git or its hooks' },
  // Emacs evaluates dir-locals, Vim and Neovim (exrc) and the localvimrc plugin source these, on opening a file of the folder.
  { pattern: ANYWHERE(String.raw`\.dir-locals(-2)?\.el|\.nvim\.lua|\.nvimrc|\.exrc|\.vimrc|\.lvimrc|[^/]*\.sublime-project`), why: 'is an editor file the editor runs when the folder is opened' },
  { pattern: ANYWHERE(String.raw`[^/]*\.code-workspace|\.devcontainer\.json|\.gitattributes|\.gitmodules|lefthook(-local)?\.ya?ml|\.pre-commit-config\.ya?ml`), why: 'configures the editor or git (filters, submodules, hooks)' },
  { pattern: FOLDER(String.raw`\.github|\.gitlab|\.circleci|\.buildkite`), why: 'defines CI jobs' },
  { pattern: ANYWHERE(String.raw`\.gitlab-ci\.ya?ml|azure-pipelines\.ya?ml|bitbucket-pipelines\.yml|jenkinsfile|\.travis\.yml|\.drone\.yml|cloudbuild\.ya?ml|procfile|netlify\.toml|vercel\.json`), why: 'defines CI or deployment jobs' },
  {
    pattern: FOLDER(String.raw`\.claude|\.cursor|\.continue|\.cline[^/]*|\.roo[^/]*|\.windsurf[^/]*|\.aider[^/]*|\.codex|\.gemini|\.amazonq|\.kiro|\.junie`),
    why: "holds another agent's settings (its hooks, tools and auto-approvals)",
  },
  { pattern: ANYWHERE(String.raw`\.?mcp\.json|\.cursorrules|\.windsurfrules|\.clinerules|\.roomodes|\.aider\.conf\.ya?ml`), why: "configures MCP servers or another agent" },
  // Agents load these on start and follow them as the user's own instructions (nested ones too).
  { pattern: ANYWHERE(String.raw`agents?\.md|claude(\.local)?\.md|gemini\.md|\.goosehints|\.rules`), why: 'instructs other agents (they load it on start and follow it)' },
  { pattern: ANYWHERE(String.raw`[^/]*\.env(\.[^/]*)?|\.envrc`), why: 'sets the environment every tool runs with' },
  // Creating or entering these environments installs and runs what they say.
  {
    pattern: ANYWHERE(String.raw`environment\.ya?ml|conda-lock\.ya?ml|[^/]*\.conda-lock\.ya?ml|\.condarc|pixi\.toml|pixi\.lock|flake\.nix|flake\.lock|shell\.nix|default\.nix|devenv\.(nix|ya?ml|lock)|devbox\.(json|lock)`),
    why: 'defines the development environment (conda, pixi, nix, devenv, devbox): creating or entering it runs what it says',
  },
  // JavaScript: manifests, lockfiles, package-manager settings and the config files build and test tools execute.
  {
    pattern: ANYWHERE(String.raw`package\.json|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|pnpm-workspace\.yaml|bun\.lockb?|deno\.jsonc?|\.npmrc|\.yarnrc(\.yml)?|\.pnpmfile\.c?js|\.nvmrc|\.node-version|\.pnp\.c?js|\.pnp\.loader\.mjs`),
    why: 'is a package manifest, lockfile or package-manager setting: installs run what it says',
  },
  // Yarn runs its own release (yarnPath), plugins, SDKs, patches and unplugged packages from here.
  { pattern: FOLDER(String.raw`\.yarn`), why: 'holds the Yarn release, plugins and packages every yarn command runs' },
  { pattern: ANYWHERE(String.raw`[^/]*\.config\.[cm]?[jt]s|\.[a-z]+rc\.[cm]?js|gulpfile\.[cm]?[jt]s|gruntfile\.[cm]?[jt]s`), why: 'is a build or test configuration that runs as code' },
  // Python: manifests, lockfiles, and files the interpreter or test runner imports on start.
  {
    pattern: ANYWHERE(String.raw`pyproject\.toml|setup\.py|setup\.cfg|requirements[^/]*\.(txt|in)|constraints[^/]*\.txt|pipfile(\.lock)?|poetry\.lock|uv\.lock|pdm\.lock|\.python-version|tox\.ini|noxfile\.py|pytest\.ini|conftest\.py|sitecustomize\.py|usercustomize\.py|[^/]*\.pth`),
    why: 'is a Python manifest, lockfile or file the interpreter or test runner runs on start',
  },
  { pattern: FOLDER('requirements'), why: 'lists Python packages to install' },
  // Builds of other ecosystems.
  {
    pattern: ANYWHERE(String.raw`makefile|gnumakefile|[^/]*\.mk|justfile|\.justfile|taskfile(\.dist)?\.ya?ml|rakefile|gemfile(\.lock)?|vagrantfile|cmakelists\.txt|[^/]*\.cmake|build\.gradle(\.kts)?|settings\.gradle(\.kts)?|gradle\.properties|gradlew(\.bat)?|mvnw(\.cmd)?|pom\.xml|[^/]*\.(cs|fs|vb)proj|[^/]*\.sln|[^/]*\.props|[^/]*\.targets|directory\.build\.[^/]*|cargo\.toml|cargo\.lock|build\.rs|go\.mod|go\.work|composer\.(json|lock)|\.bazelrc|\.bazelversion|build(\.bazel)?|workspace(\.bazel)?|module\.bazel|[^/]*\.bzl|\.tool-versions|\.mise\.toml|mise\.toml|\.ruby-version`),
    why: 'is a build file or toolchain pin: builds run what it says',
  },
  { pattern: FOLDER(String.raw`gradle/wrapper|\.mvn|\.cargo`), why: 'configures a build tool' },
  // Installed packages run when they are imported or their scripts are called.
  { pattern: FOLDER(String.raw`node_modules|\.venv|venv|site-packages|__pypackages__|dbt_packages|\.direnv`), why: 'holds installed packages, which run when imported' },
  { pattern: ANYWHERE(String.raw`dockerfile(\.[^/]*)?|[^/]*\.dockerfile|containerfile|docker-compose[^/]*\.ya?ml|compose\.ya?ml`), why: 'defines a container build or the services it runs' },
  // dbt: project hooks (on-run-start, on-run-end) run SQL on every run; packages are fetched and run; profiles choose the target.
  { pattern: ANYWHERE(String.raw`dbt_project\.yml|packages\.yml|dependencies\.yml|profiles\.yml`), why: 'configures dbt (its hooks run SQL on every run; its packages and profiles choose what runs where)' },
];

/** Resolves `.`, `..` and `\` so `./a/../.vscode/x` counts as `.vscode/x`; NFKC so look-alike forms count too. */
function normalise(path: string): string {
  const parts: string[] = [];
  for (const part of path.normalize('NFKC').replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/').toLowerCase();
}

/** Why editing `path` (workspace-relative) can change what runs, or undefined for an ordinary file. */
export function protectedPathReason(path: string): string | undefined {
  const normal = normalise(path);
  return RULES.find((rule) => rule.pattern.test(normal))?.why;
}

export function isProtectedPath(path: string): boolean {
  return protectedPathReason(path) !== undefined;
}
