import { hash } from 'node:crypto';

/**
 * The content hash the core asks for (it does no I/O itself): SHA-256 of the canonical content, 132 bits
 * of it in base64url. That many bits keep derived ids apart among billions of events, and SHA-256 runs
 * on the CPU's SHA extensions (~0.7 µs per event here, against ~1.9 µs for MD5).
 */
export function hashContent(canonical: string): string {
  return hash('sha256', canonical, 'base64url').slice(0, 22);
}
