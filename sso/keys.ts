// The key pair that signs SSO tokens. Made once and kept in the database, so every engine
// process sharing it verifies tokens with the public key, without asking the issuer.
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { Knex } from 'knex';

export interface SigningKeys {
  readonly id: string;
  readonly privateKey: string;
  readonly publicKey: string;
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
  return { id: KEY_ID, privateKey: row.private_pem, publicKey: row.public_pem };
}
