// Every tool Pipewright has, declared once; a run is offered those its grants allow. The
// contract snapshot (test/unit/toolContract.test.ts) pins what the model sees and what each
// tool may do.
import type { Permission, Tool } from './tool';
import { readFileTool, writeFileTool } from './fileTools';
import { describeTableTool, listTablesTool, runSqlTool } from './warehouseTools';
import { executeSqlTool } from './writeTools';

export const ALL_TOOLS: readonly Tool<any>[] = [listTablesTool, describeTableTool, runSqlTool, executeSqlTool, readFileTool, writeFileTool];

/** The tools a run may use: granted permissions only, file tools only with a workspace folder. */
export function toolsFor(grants: ReadonlySet<Permission>, options: { workspaceRoot?: string } = {}): Tool<any>[] {
  return ALL_TOOLS.filter((t) => grants.has(t.permission) && (options.workspaceRoot || !(t.effects.includes('reads-files') || t.effects.includes('writes-files'))));
}
