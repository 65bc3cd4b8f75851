// What reading a workspace file for the model needs: nothing for the project's own sources (SQL,
// YAML, markdown, dbt files) that git tracks or would track; the user's approval for a file git
// ignores or anything else; never, for a credential file (by name or by what it holds).
import { readWorkspaceText } from '../tools/workspaceFiles';
import { credentialContent, credentialFileName } from './credentialFiles';
import { gitIgnoreStatus } from './gitIgnored';

/** Project sources the model may read without asking, by extension (any case). */
const PROJECT_SOURCE = /\.(sql|ya?ml|md|markdown|jinja2?|j2)$/i;

export interface ReadAssessment {
  decision: 'allow' | 'approve' | 'deny';
  reasons: string[];
  relativePath: string;
  /** sha256 of the content judged: an approval covers this content only. */
  sha256: string;
  /** The text the model would receive (before masking), for the approval card. */
  text: string;
}

export async function assessFileRead(root: string | undefined, path: string): Promise<ReadAssessment> {
  // The same resolution and the same bytes the tool reads: links, `..` and binaries are refused here already.
  const read = await readWorkspaceText(root, path);
  const { relativePath, sha256 } = read;
  const deny = (why: string): ReadAssessment => ({ decision: 'deny', reasons: [`${relativePath} is ${why}; Pipewright never hands credential files to the model.`], relativePath, sha256, text: '' });
  const byName = credentialFileName(relativePath);
  if (byName) return deny(byName);
  const byContent = credentialContent(read.text);
  if (byContent) return deny(`${byContent} (recognised by its content)`);

  const reasons: string[] = [];
  const ignored = await gitIgnoreStatus(root!, relativePath);
  if (ignored === 'ignored') reasons.push(`${relativePath} is ignored by git (local files such as build output, data or credentials usually are).`);
  if (ignored === 'unknown') reasons.push(`git could not tell whether ${relativePath} is ignored.`);
  // A link is refused outright; a hard link cannot be told from the file, so the user decides.
  if (read.links > 1) reasons.push(`${relativePath} has other names (a hard link): its content may come from outside the workspace.`);
  if (!PROJECT_SOURCE.test(relativePath)) reasons.push(`${relativePath} is not a project source (SQL, YAML, markdown or dbt file).`);
  return { decision: reasons.length ? 'approve' : 'allow', reasons, relativePath, sha256, text: read.text };
}
