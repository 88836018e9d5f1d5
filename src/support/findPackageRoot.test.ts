import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPackageRoot } from './findPackageRoot.ts';

describe('findPackageRoot', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gigavibe-root-'));
    await writeFile(path.join(dir, 'package.json'), '{}');
    await mkdir(path.join(dir, 'dist/src/db'), { recursive: true });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('finds the repository from source files at any depth', () => {
    const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    expect(findPackageRoot(import.meta.url)).toBe(repo);
    expect(findPackageRoot(pathToFileURL(path.join(repo, 'frames/createFrames.tsx')).href)).toBe(repo);
  });

  it('finds the deployment from a compiled file two levels under dist/', () => {
    expect(findPackageRoot(pathToFileURL(path.join(dir, 'dist/src/db/migrate.js')).href)).toBe(dir);
  });

  it('names the file when no package.json is above it', () => {
    expect(() => findPackageRoot('file:///no-such-dir/x/y.js')).toThrow('no package.json above /no-such-dir/x/y.js');
  });
});
