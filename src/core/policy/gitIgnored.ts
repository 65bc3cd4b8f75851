// Whether git ignores a workspace file, asked of git itself (nested .gitignore files, negations,
// .git/info/exclude and the user's global excludes all count, exactly as git counts them).
import { simpleGit } from 'simple-git';

export type IgnoreStatus = 'ignored' | 'not-ignored' | 'no-repository' | 'unknown';

export async function gitIgnoreStatus(root: string, relativePath: string): Promise<IgnoreStatus> {
  const git = simpleGit({
    baseDir: root,
    // A repository's own config could name an fsmonitor program that git would run: switch it off.
    config: ['core.fsmonitor=false'],
    unsafe: { allowUnsafeFsMonitor: true },
  });
  try {
    // `./` first: a file named like an option (`--no-index`) or a pathspec (`:!x`) stays a path.
    const ignored = await git.checkIgnore([`./${relativePath}`]);
    return ignored.length > 0 ? 'ignored' : 'not-ignored';
  } catch (error) {
    return /not a git repository/i.test(String((error as Error).message)) ? 'no-repository' : 'unknown';
  }
}
