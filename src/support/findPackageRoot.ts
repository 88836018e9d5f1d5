import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory at or above the file `moduleUrl` names that holds a package.json: the repository when
 * running from source (src/, frames/), and the deployment when running the build (dist/src/… sits under the
 * package.json beside dist/). Files found from here (supabase/, dist/client/) resolve the same in both. */
export function findPackageRoot(moduleUrl: string): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}
