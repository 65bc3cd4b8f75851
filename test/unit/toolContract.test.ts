// The model-facing tool contract (names, descriptions, input and output schemas) and each tool's
// declared policy (effects, permission, rate limit, audit) are pinned by a checked-in snapshot:
// changing a tool without updating the snapshot fails here. To accept a deliberate change:
// UPDATE_SNAPSHOTS=1 node --import tsx --test test/unit/toolContract.test.ts
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseRateLimit } from '../../src/core/policy/rateLimit';
import { ALL_TOOLS, toolsFor } from '../../src/core/tools/registry';
import { toolContract } from '../../src/core/tools/tool';

const SNAPSHOT = join(__dirname, 'snapshots', 'tool-contract.json');

test('the tool contract matches its snapshot', () => {
  const current = `${JSON.stringify(toolContract(ALL_TOOLS), null, 2)}\n`;
  if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(SNAPSHOT, current);
  assert.equal(current, readFileSync(SNAPSHOT, 'utf8'), 'A tool changed: review the change, then update the snapshot (UPDATE_SNAPSHOTS=1).');
});

test('every tool declares effects, a permission and a valid rate limit; writers need the write permission', () => {
  const names = new Set<string>();
  for (const tool of ALL_TOOLS) {
    assert.ok(!names.has(tool.name), `duplicate tool ${tool.name}`);
    names.add(tool.name);
    assert.ok(tool.effects.length > 0, `${tool.name} declares no effects`);
    assert.doesNotThrow(() => parseRateLimit(tool.rateLimit));
    const writes = tool.effects.some((e) => e.startsWith('writes-') || e === 'git' || e === 'network' || e === 'external-process');
    assert.equal(tool.permission, writes ? 'write' : 'read', `${tool.name}: permission does not match its effects`);
    assert.ok(tool.description.length <= 300, `${tool.name}: description too long for the model`);
  }
});

test('a run gets only the tools its grants allow, and file tools only with a workspace folder', () => {
  assert.deepEqual(toolsFor(new Set(['read'])).map((t) => t.name), ['list_tables', 'describe_table', 'run_sql']);
  assert.deepEqual(toolsFor(new Set(['read', 'write']), { workspaceRoot: '/w' }).map((t) => t.name), ['list_tables', 'describe_table', 'run_sql', 'execute_sql', 'read_file', 'write_file']);
});
