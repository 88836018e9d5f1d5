import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StartupError } from './StartupError.ts';

/** Who holds a data directory: the process and what it runs. */
export interface DataDirHolder {
  pid: number;
  command: string;
}

/** A held data directory; release() (also run at process exit) gives it back. */
export interface DataDirLock {
  file: string;
  release(): void;
}

const LOCK_FILE = 'gigavibe.lock';
const held = new Map<string, DataDirLock>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): DataDirHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DataDirHolder>;
    return typeof parsed.pid === 'number' && Number.isInteger(parsed.pid)
      ? { pid: parsed.pid, command: String(parsed.command ?? 'unknown') }
      : null;
  } catch {
    return null;
  }
}

/** Make sure `dir` is a usable directory (created if missing), failing fast with one line: a file in the way, no
 * permission, or a place that takes no files (e.g. under /proc) is found by writing a probe file, before PGlite or
 * the devnet would hang or crash on it. */
export function ensureWritableDir(dir: string, variable = 'DATA_DIR'): void {
  const probe = path.join(dir, `.write-probe-${process.pid}`);
  try {
    makeDirectory(dir);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const why =
      code === 'ENOTDIR' || code === 'EEXIST'
        ? 'a file is in the way (it must be a directory)'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EROFS'
            ? 'the file system is read-only'
            : `cannot write there (${code})`;
    throw new StartupError(`${variable}=${dir} is not usable: ${why}`);
  }
}

/** mkdir -p without Node's recursive mode, which loops forever on some pseudo file systems (`mkdirSync('/proc/x',
 * { recursive: true })` never returns on Linux): create each missing parent once, and let the kernel's answer stand. */
function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let current = path.resolve(dir);
  while (!existsSync(current)) {
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  if (existsSync(current) && !statSync(current).isDirectory()) {
    throw Object.assign(new Error(`${current} is not a directory`), { code: 'ENOTDIR' });
  }
  for (const directory of missing.reverse()) mkdirSync(directory);
}

/** Hold the embedded database's data directory for this process, or fail at once, naming the process that has it:
 * PGlite is one connection in one process, and a second server (or `npm run db:migrate` while a server runs) would
 * otherwise open the same files, start its own devnet and overwrite its files before failing. Re-entrant within a
 * process; a lock left by a process that is gone is taken over. */
export function lockDataDir(dir: string, command: string): DataDirLock {
  const absolute = path.resolve(dir);
  const mine = held.get(absolute);
  if (mine !== undefined) return mine;
  ensureWritableDir(dir);
  const file = path.join(absolute, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, `${JSON.stringify({ pid: process.pid, command })}\n`);
      closeSync(fd);
      const lock: DataDirLock = {
        file,
        release() {
          if (held.get(absolute) !== lock) return;
          held.delete(absolute);
          if (readHolder(file)?.pid === process.pid) unlinkSync(file);
        },
      };
      held.set(absolute, lock);
      process.once('exit', () => lock.release());
      return lock;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(file);
      if (holder !== null && holder.pid !== process.pid && alive(holder.pid)) {
        throw new StartupError(
          `the embedded database in ${dir} is in use by ${holder.command} (pid ${holder.pid}): stop it first, ` +
            'or point DATA_DIR elsewhere (or use DATABASE_URL)',
        );
      }
      unlinkSync(file);
    }
  }
  throw new StartupError(`could not lock ${file}; remove it if no GigaVibe process is running`);
}
