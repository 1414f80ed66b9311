import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of a webhook request: `sha256=` and the hex HMAC-SHA256, keyed with the webhook's secret,
 * of the X-Unitcost-Timestamp value, a dot, and the raw body. Signing the timestamp with the body lets a
 * receiver refuse a replayed request: it checks the signature, then that the timestamp is recent.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does (docs/alert-delivery.md shows it in a few lines): true when the signature is the secret's, in constant time. */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
