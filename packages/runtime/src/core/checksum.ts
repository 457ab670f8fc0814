import { hash } from 'node:crypto';

/** SHA-256 of UTF-8 text, base64url-encoded (43 characters). */
export function sha256(text: string): string {
  return hash('sha256', text, 'base64url');
}
