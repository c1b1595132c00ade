/**
 * The files `-f` names: a file as it is (whatever its extension), a directory recursed (its .yaml,
 * .yml and .json files, in name order, as `kubectl apply -f DIR -R` takes them), `-` for stdin.
 *
 * Errors: a path that does not exist or cannot be read is a usage error (exit 2) naming it; nothing is
 * validated then.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { usageError } from '../exit-codes.ts';
import { type LoadedDocument, parseDocuments } from './documents.ts';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function filesUnder(directory: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path));
    else if (entry.isFile() && MANIFEST_EXTENSIONS.has(extname(entry.name))) found.push(path);
  }
  return found;
}

/** Every manifest file named by `paths`, in order, each once. */
export function manifestFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (path === '-') {
      files.push(path);
      continue;
    }
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      throw usageError(`-f ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`, { cause: error });
    }
    files.push(...(isDirectory ? filesUnder(path) : [path]));
  }
  return [...new Set(files)];
}

/** Reads and parses every file; `-` reads stdin once. */
export function loadManifests(paths: readonly string[]): { files: string[]; documents: LoadedDocument[] } {
  const files = manifestFiles(paths);
  const documents: LoadedDocument[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (error) {
      throw usageError(`-f ${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    }
    documents.push(...parseDocuments(file === '-' ? '(stdin)' : file, text));
  }
  return { files: files.map((f) => (f === '-' ? '(stdin)' : f)), documents };
}
