// Reads the messages `cargo run -p credentials --example oid4vc_messages` wrote and checks them
// with @openid4vc/openid4vci, @openid4vc/openid4vp and dcql (oid4vc-ts):
//   - the offer link by reference resolves to our offer; our issuer and AS metadata resolve;
//   - their issuer verifies our wallet's openid4vci-proof+jwt with the expected c_nonce;
//   - their wallet resolves our did:jwk-signed request object fetched by request_uri, and
//     refuses the unsecured redirect_uri: form (why our verifier signs);
//   - our DCQL query parses and validates with the dcql package.
// Network calls are answered from the files; signatures are checked with WebCrypto.
import { Openid4vciClient, Openid4vciIssuer } from '@openid4vc/openid4vci';
import { Openid4vpClient } from '@openid4vc/openid4vp';
import { DcqlQuery } from 'dcql';
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';

const m = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const b64 = (s) => Buffer.from(s, 'base64url');
let failures = 0;
const check = async (name, f) => {
  try {
    console.log(`ok   ${name}: ${await f()}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e?.message ?? e}`);
  }
};

async function es256(jwk, compact) {
  const key = await webcrypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const [h, p, s] = compact.split('.');
  return webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, b64(s), Buffer.from(`${h}.${p}`));
}

const json = 'application/json';
const jar = 'application/oauth-authz-req+jwt';
const routes = {
  [m.offer_uri]: [json, JSON.stringify(m.offer)],
  [m.metadata_url]: [json, JSON.stringify(m.metadata)],
  [m.as_metadata_url]: [json, JSON.stringify(m.as_metadata)],
  [m.request_uri]: [jar, m.request_object],
  [m.unsecured_request_uri]: [jar, m.unsecured_request_object],
};
const callbacks = {
  fetch: async (url) => {
    const route = routes[String(url)];
    if (!route) return new Response('not found', { status: 404 });
    return new Response(route[1], { status: 200, headers: { 'content-type': route[0] } });
  },
  hash: async (data) => new Uint8Array(await webcrypto.subtle.digest('SHA-256', data)),
  generateRandom: async (n) => webcrypto.getRandomValues(new Uint8Array(n)),
  signJwt: async () => {
    throw new Error('not used');
  },
  verifyJwt: async (signer, { compact }) => {
    let jwk;
    if (signer.method === 'jwk') jwk = signer.publicJwk;
    else if (signer.method === 'did' && signer.didUrl.startsWith('did:jwk:'))
      jwk = JSON.parse(b64(signer.didUrl.split('#')[0].slice('did:jwk:'.length)).toString());
    else throw new Error(`unexpected signer ${signer.method}`);
    return { verified: await es256(jwk, compact), signerJwk: jwk };
  },
};

const vci = new Openid4vciClient({ callbacks });
let meta;
await check('credential offer by reference', async () => {
  const offer = await vci.resolveCredentialOffer(m.offer_link);
  if (offer.credential_issuer !== m.offer.credential_issuer) throw new Error('issuer differs');
  return Object.keys(offer.grants).join(',');
});
await check('issuer and authorization server metadata', async () => {
  meta = await vci.resolveIssuerMetadata(m.offer.credential_issuer);
  return `token ${meta.authorizationServers[0].token_endpoint}, nonce ${meta.credentialIssuer.nonce_endpoint}`;
});
await check('their issuer verifies our key proof', async () => {
  const issuer = new Openid4vciIssuer({ callbacks });
  const v = await issuer.verifyCredentialRequestJwtProof({
    issuerMetadata: meta,
    jwt: m.proof,
    expectedNonce: m.c_nonce,
    now: new Date(m.now * 1000),
  });
  return v.header.typ;
});
const vp = new Openid4vpClient({ callbacks });
await check('their wallet resolves our did:jwk-signed request object', async () => {
  const parsed = vp.parseOpenid4vpAuthorizationRequest({ authorizationRequest: m.request_link });
  const r = await vp.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params });
  if (r.authorizationRequestPayload.nonce !== m.nonce) throw new Error('nonce differs');
  return `${r.client.prefix}, response_uri ${r.authorizationRequestPayload.response_uri}`;
});
await check('their wallet refuses the unsecured redirect_uri: form', async () => {
  const parsed = vp.parseOpenid4vpAuthorizationRequest({ authorizationRequest: m.unsecured_request_link });
  try {
    await vp.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params });
  } catch (e) {
    return `refused (${e.message})`;
  }
  throw new Error('accepted: the verifier could use it after all');
});
await check('DCQL query', async () => {
  const q = DcqlQuery.parse(m.dcql_query);
  DcqlQuery.validate(q);
  return q.credentials.map((c) => c.id).join(',');
});
process.exit(failures ? 1 : 0);
