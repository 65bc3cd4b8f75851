// Files that run code need typed confirmation to edit, through the real policy gate: wherever
// they sit, in any case, however the path is spelled. Ordinary project files need one approval.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBConnector } from '../../src/core/connectors/duckdb';
import type { ApprovalRequest, ConnectionSummary } from '../../src/core/observability/events';
import { authorize, DEFAULT_POLICY, PolicySession } from '../../src/core/policy/gate';
import { writeFileTool } from '../../src/core/tools/fileTools';
import { makeTempDir, removeDir } from '../support/tempDirs';

const connection: ConnectionSummary = { id: 'w', label: 'W', dialect: 'duckdb', environment: 'dev' };
let dir: string;
let connector: DuckDBConnector;

before(async () => {
  dir = makeTempDir('protected-writes');
  connector = await DuckDBConnector.open({ id: 'w', path: join(dir, 'w.duckdb'), writable: true });
});
after(async () => {
  await connector?.close();
  removeDir(dir);
});

/** Proposes a write; the user clicks approve without typing anything. */
async function propose(path: string) {
  const asked: ApprovalRequest[] = [];
  const gate = await authorize(writeFileTool, { path, content: 'x' }, {
    connector, connection, session: new PolicySession(), settings: DEFAULT_POLICY, grants: new Set(['read', 'write']), signal: new AbortController().signal, workspaceRoot: dir,
    gateway: { request: async (r) => (asked.push(r), { decision: 'once' }) },
  });
  return { gate, card: asked[0] };
}

const RUNS_CODE = [
  // Named in the issue.
  'package.json', 'packages/api/package.json', 'PACKAGE.JSON', 'package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'Makefile', 'sub/makefile', '.npmrc',
  'pyproject.toml', 'setup.py', 'requirements.txt', 'requirements-dev.txt', 'requirements/base.txt', 'conftest.py', 'tests/unit/conftest.py',
  '.pre-commit-config.yaml', 'Dockerfile', 'docker/Dockerfile.prod', '.env', '.env.local', 'api/.ENV.production', 'dbt_project.yml', 'analytics/dbt_project.yml', 'packages.yml',
  '.claude/settings.json', '.cursor/rules/x.mdc', '.continue/config.json', '.clinerules', '.cline/mcp.json', '.vscode/settings.json', 'sub/.vscode/tasks.json',
  // Decided here: what else runs code on open, install, build or test.
  'tox.ini', 'noxfile.py', 'setup.cfg', 'Pipfile', 'poetry.lock', 'uv.lock', '.gitattributes', '.gitmodules', 'Justfile', 'Taskfile.yml', '.tool-versions', '.nvmrc',
  '.yarnrc.yml', '.pnpmfile.cjs', 'pnpm-workspace.yaml', '.bazelrc', 'BUILD.bazel', 'CMakeLists.txt', 'build.gradle.kts', 'gradle/wrapper/gradle-wrapper.properties', 'pom.xml', 'src/App.csproj',
  'Directory.Build.props', 'sitecustomize.py', 'lib/site-packages/evil.pth', '.git/hooks/pre-commit', 'vendor/lib/.git/config', '.husky/pre-push', '.githooks/pre-commit', 'lefthook.yml',
  'vite.config.ts', 'eslint.config.mjs', '.eslintrc.js', 'pytest.ini', 'docker-compose.yml', 'Gemfile', 'Cargo.toml', 'build.rs', 'go.mod', 'composer.json', 'Jenkinsfile', '.gitlab-ci.yml',
  '.circleci/config.yml', 'profiles.yml', 'node_modules/.bin/dbt', 'node_modules/pg/lib/index.js', '.venv/bin/activate', 'dbt_packages/dbt_utils/macros/x.sql', 'mcp.json', '.idea/workspace.xml', 'team.code-workspace',
  // Siblings of the red-team finds: wrappers, agent instructions, editor exrc files, dev environments, Yarn's own code.
  '.yarn/sdks/typescript/lib/tsserver.js', '.yarn/unplugged/x/index.js', '.pnp.loader.mjs', 'tools/mvnw', 'pkg/AGENTS.md', 'CLAUDE.local.md', '.dir-locals-2.el', '.vimrc',
  'environment.yaml', 'shell.nix', 'default.nix', 'devenv.nix', 'pixi.toml', 'deploy/prod.env', 'deploy/prod.env.local',
  // Spelled otherwise: the same file.
  './package.json', 'models/../package.json', 'models\\..\\Makefile', 'a//b/./package.json', '\uFF50ackage.json',
];
const ORDINARY = ['models/orders.sql', 'models/schema.yml', 'docs/package.json.md', 'docs/makefile-notes.md', 'models/packages_summary.sql', 'docs/dockerfile-guide.md', 'seeds/environments.csv', 'README.md', 'analyses/build_times.sql', 'docs/agents-guide.md', 'docs/environment.md', 'models/environment.sql', 'docs/flake-notes.md', 'models/yarn_orders.sql'];

describe('edits to files that run code need typed confirmation', () => {
  for (const path of RUNS_CODE) {
    test(path, async () => {
      const { gate, card } = await propose(path);
      assert.equal(card?.level, 'confirm', path);
      assert.equal(card?.confirmText, path, 'the user types the path itself');
      assert.equal(card?.allowSession, false);
      assert.match(card?.reasons.join(' ') ?? '', /can change what runs without asking/);
      // Clicking approve without typing it does not pass.
      assert.equal(gate.allowed, false);
    });
  }
});

describe('ordinary files need one approval', () => {
  for (const path of ORDINARY) {
    test(path, async () => {
      const { gate, card } = await propose(path);
      assert.equal(card?.level, 'approve', path);
      assert.equal(gate.allowed, true);
    });
  }
});
