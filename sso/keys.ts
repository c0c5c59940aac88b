// The key pair that signs SSO tokens. Made once and kept in the database, so every engine
// process sharing it verifies tokens with the public key, without asking the issuer.
import { KeyObject, createPrivateKey, createPublicKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { Knex } from 'knex';

/** Parsed once: signing or verifying with a PEM text parses it again on every call. */
export interface SigningKeys {
  readonly id: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

const KEY_ID = 'sso-signing-1';

export async function loadSigningKeys(db: Knex): Promise<SigningKeys> {
  const read = async () => db('sso_keys').where('id', KEY_ID).first<{ private_pem: string; public_pem: string } | undefined>();
  let row = await read();
  if (!row) {
    // Made off the event loop: a 2048-bit key takes a tenth of a second or more.
    const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    // Two processes starting together may both get here; the first insert wins, both read it.
    await db('sso_keys')
      .insert({
        id: KEY_ID,
        private_pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        public_pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      })
      .onConflict('id')
      .ignore();
    row = await read();
  }
  if (!row) throw new Error('the SSO signing key could not be stored');
  return { id: KEY_ID, privateKey: createPrivateKey(row.private_pem), publicKey: createPublicKey(row.public_pem) };
}
