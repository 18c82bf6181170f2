// Interop with the OpenWallet Foundation TypeScript libraries (@sd-jwt/sd-jwt-vc).
//   node interop.mjs verify-ours <dir>        verify our presentation (+ status list) with their verifier
//   node interop.mjs issue-theirs <dir>       issue + present with their library, for our verifier
// These libraries are lax in places; where they accept a tampered input we report it, and the
// run still passes, because only our own verifier's strictness is ours to guarantee.
import { readFileSync, writeFileSync } from 'node:fs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs';

const [mode, dir] = process.argv.slice(2);
const read = (f) => readFileSync(`${dir}/${f}`, 'utf8').trim();

const kbVerifier = async (data, sig, payload) => (await ES256.getVerifier(payload.cnf.jwk))(data, sig);

async function verifyOurs() {
  const meta = JSON.parse(read('ours.meta.json'));
  const issuerJwk = JSON.parse(read('ours.issuer.jwk.json'));
  const statusJwt = read('ours.status_list.jwt');
  const verifier = await ES256.getVerifier(issuerJwk);
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    verifier,
    kbVerifier,
    statusListFetcher: async (uri) => {
      if (uri !== meta.status_uri) throw new Error(`unexpected status uri ${uri}`);
      return statusJwt;
    },
    statusVerifier: verifier,
  });
  const presentation = read('ours.presentation.txt');
  const result = await sdjwt.verify(presentation, { keyBindingNonce: meta.nonce, currentDate: meta.now });
  if (result.kb?.payload?.aud !== meta.aud) throw new Error('aud not as expected');
  const claims = await sdjwt.getClaims(presentation);
  if (claims.given_name !== 'Amara' || claims.competences?.length !== 1 || 'family_name' in claims) {
    throw new Error(`unexpected claims ${JSON.stringify(claims)}`);
  }
  console.log(`node: our presentation VERIFIED by @sd-jwt/sd-jwt-vc (vct ${result.payload.vct})`);

  // Tampering their verifier should reject; reported, not fatal.
  const parts = presentation.split('~');
  const arr = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  arr[arr.length - 1] = 'Mallory';
  const edited = Buffer.from(JSON.stringify(arr)).toString('base64url');
  const cases = {
    'disclosure edited': [parts[0], edited, ...parts.slice(2)].join('~'),
    'disclosure dropped under KB': [parts[0], ...parts.slice(2)].join('~'),
  };
  cases['expired credential'] = read('ours.expired.presentation.txt');
  for (const [name, input] of Object.entries(cases)) {
    let rejected = false;
    try {
      await sdjwt.verify(input, { keyBindingNonce: meta.nonce, currentDate: meta.now });
    } catch {
      rejected = true;
    }
    console.log(`node: ${name}: ${rejected ? 'rejected' : 'ACCEPTED (library is lax here)'}`);
  }
}

async function issueTheirs() {
  const meta = JSON.parse(read('ours.meta.json'));
  const issuer = await ES256.generateKeyPair();
  const holder = await ES256.generateKeyPair();
  const kid = 'node-issuer-1';
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    saltGenerator: generateSalt,
    signer: await ES256.getSigner(issuer.privateKey),
    signAlg: 'ES256',
    kbSigner: await ES256.getSigner(holder.privateKey),
    kbSignAlg: 'ES256',
  });
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: 'https://node.interop.example',
    vct: 'https://passport.example.nhs.uk/vct/cstf-training/1',
    iat: now - 60,
    exp: now + 3600,
    cnf: { jwk: holder.publicKey },
    given_name: 'Amara',
    family_name: 'Okafor',
    competences: [{ subject: 'Fire Safety', level: 1 }, { subject: 'Resuscitation', level: 2 }],
  };
  const frame = { _sd: ['given_name', 'family_name'], competences: { _sd: [0, 1] } };
  const issued = await sdjwt.issue(claims, frame, { header: { kid } });
  const presentation = await sdjwt.present(
    issued,
    { given_name: true, competences: { 1: true } },
    { kb: { payload: { aud: meta.aud, iat: now, nonce: meta.nonce } } },
  );
  writeFileSync(`${dir}/node.presentation.txt`, presentation);
  writeFileSync(`${dir}/node.issuer.jwk.json`, JSON.stringify({ ...issuer.publicKey, kid }));
  writeFileSync(`${dir}/node.iss.txt`, claims.iss);
  console.log('node: issued and presented with @sd-jwt/sd-jwt-vc');
}

try {
  if (mode === 'verify-ours') await verifyOurs();
  else if (mode === 'issue-theirs') await issueTheirs();
  else throw new Error('usage: node interop.mjs verify-ours|issue-theirs <dir>');
} catch (e) {
  console.error(`node: FAILED: ${e.message}`);
  process.exit(1);
}
