/**
 * A Standard Webhooks secret: `whsec_` followed by the base64 of the key
 * bytes (the spec asks for 24 to 64 of them). The HMAC key is the decoded
 * bytes, not the text, so receivers using any Standard Webhooks library agree.
 */
export function parseWebhookSecret(value: string): Buffer {
  const encoded = value.startsWith('whsec_') ? value.slice('whsec_'.length) : value;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new Error('must be whsec_ followed by base64 (e.g. whsec_$(openssl rand -base64 32))');
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 24 || key.length > 64) throw new Error(`must hold 24 to 64 bytes once base64-decoded (it holds ${key.length})`);
  return key;
}
