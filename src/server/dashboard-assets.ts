import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

/** One file of the built dashboard, held in memory with its gzipped form. */
export interface DashboardAsset {
  body: Buffer;
  gzipped: Buffer | null;
  type: string;
  etag: string;
  /** Vite names bundles by their content hash, so they never change under the same name. */
  immutable: boolean;
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Loads the built dashboard (a few hundred kilobytes) into memory once, gzipped ahead of time, so that
 * serving the first page costs no disk read and no compression: part of keeping its first render fast.
 * Returns null when the dashboard has not been built.
 */
export function loadDashboardAssets(root: string): Map<string, DashboardAsset> | null {
  if (!existsSync(join(root, 'index.html'))) return null;
  const assets = new Map<string, DashboardAsset>();
  const walk = (directory: string): void => {
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const body = readFileSync(path);
      const type = types[extname(name)] ?? 'application/octet-stream';
      const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 1024;
      const urlPath = `/${relative(root, path).split(sep).join('/')}`;
      assets.set(urlPath, {
        body,
        gzipped: compressible ? gzipSync(body, { level: 9 }) : null,
        type,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        immutable: urlPath.startsWith('/assets/'),
      });
    }
  };
  walk(root);
  return assets;
}
