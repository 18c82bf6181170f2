// Endpoint-level interop against a running `passport demo` (see ../oid4vc.sh): another vendor's
// client stack, the OpenWallet Foundation oid4vc-ts libraries, acts as the wallet.
//   1. @openid4vc/openid4vci: resolve our offer by reference, our issuer and AS metadata, redeem
//      the pre-authorised code with the PIN, get a c_nonce, build its own key proof and receive
//      every offered credential from our credential endpoint.
//   2. @openid4vc/openid4vp + dcql: resolve our did:jwk-signed request object, match our DCQL
//      query against the received credentials with the dcql package, answer by direct_post.
//   3. Our verifier's recorded result for that request says ready.
//   4. With SIGNING_LINK: the same wallet signs a workforce sharing agreement through OpenID4VP
//      transaction data: it resolves our request, reads the agreement's transaction data (type,
//      credential_ids, summary) and lists its hash in the KB-JWT's transaction_data_hashes.
// The SD-JWT presentation (disclosures plus a KB-JWT) is assembled here with WebCrypto: oid4vc-ts
// leaves credential formats to the caller. It discloses every disclosure of each matched
// credential (interop of the protocol, not of minimal disclosure, which our own wallet does).
// Usage: node endpoints.mjs OFFER_LINK PIN REQUEST_LINK RESULT_URL VERIFIER_TOKEN [SIGNING_LINK]
// @openid4vc/oauth2 comes with @openid4vc/openid4vci (same version), for the client authentication.
import { clientAuthenticationAnonymous } from '@openid4vc/oauth2';
import { Openid4vciClient } from '@openid4vc/openid4vci';
import { Openid4vpClient } from '@openid4vc/openid4vp';
import { setGlobalConfig } from '@openid4vc/utils';
import { DcqlQuery } from 'dcql';
import { webcrypto } from 'node:crypto';

const [offerLink, pin, requestLink, resultUrl, verifierToken, signingLink] = process.argv.slice(2);
// Our demo serves plain http on loopback.
setGlobalConfig({ allowInsecureUrls: true });

const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const unb64u = (s) => Buffer.from(s, 'base64url');
const sha256 = async (data) => new Uint8Array(await webcrypto.subtle.digest('SHA-256', data));

const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
const { kty, crv, x, y } = await webcrypto.subtle.exportKey('jwk', keys.publicKey);
const holderJwk = { kty, crv, x, y };

async function signCompact(header, payload) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  const sig = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, Buffer.from(input));
  return `${input}.${b64u(new Uint8Array(sig))}`;
}

async function es256(jwk, compact) {
  const key = await webcrypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const [h, p, s] = compact.split('.');
  return webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, unb64u(s), Buffer.from(`${h}.${p}`));
}

const callbacks = {
  fetch: (input, init) => fetch(input, init),
  // Our AS metadata says pre-authorized_grant_anonymous_access_supported.
  clientAuthentication: clientAuthenticationAnonymous(),
  hash: async (data) => sha256(data),
  generateRandom: async (n) => webcrypto.getRandomValues(new Uint8Array(n)),
  signJwt: async (_signer, { header, payload }) => ({ jwt: await signCompact(header, payload), signerJwk: holderJwk }),
  verifyJwt: async (signer, { compact }) => {
    let jwk;
    if (signer.method === 'jwk') jwk = signer.publicJwk;
    else if (signer.method === 'did' && signer.didUrl.startsWith('did:jwk:'))
      jwk = JSON.parse(unb64u(signer.didUrl.split('#')[0].slice('did:jwk:'.length)).toString());
    else throw new Error(`unexpected signer ${signer.method}`);
    return { verified: await es256(jwk, compact), signerJwk: jwk };
  },
};

let failures = 0;
const step = async (name, f) => {
  try {
    const out = await f();
    console.log(`ok   ${name}: ${out}`);
    return true;
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e?.message ?? e}${e?.response ? ` ${JSON.stringify(e.response)}` : ''}`);
    return false;
  }
};

// --- OpenID4VCI -------------------------------------------------------------------------------
const vci = new Openid4vciClient({ callbacks });
let offer, meta, accessToken;
const credentials = [];
await step('offer by reference', async () => {
  offer = await vci.resolveCredentialOffer(offerLink);
  return `${offer.credential_issuer} offers ${offer.credential_configuration_ids.join(', ')}`;
});
await step('issuer and authorization server metadata', async () => {
  meta = await vci.resolveIssuerMetadata(offer.credential_issuer);
  return `token ${meta.authorizationServers[0].token_endpoint}`;
});
await step('pre-authorised code + PIN at our token endpoint', async () => {
  const r = await vci.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer: offer,
    issuerMetadata: meta,
    txCode: pin,
  });
  accessToken = r.accessTokenResponse.access_token;
  return `token_type ${r.accessTokenResponse.token_type}`;
});
await step('nonce, their key proof and our credential endpoint, per offered configuration', async () => {
  for (const id of offer.credential_configuration_ids) {
    const { c_nonce } = await vci.requestNonce({ issuerMetadata: meta });
    const { jwt } = await vci.createCredentialRequestJwtProof({
      issuerMetadata: meta,
      credentialConfigurationId: id,
      nonce: c_nonce,
      signer: { method: 'jwk', alg: 'ES256', publicJwk: holderJwk },
    });
    const r = await vci.retrieveCredentials({
      issuerMetadata: meta,
      accessToken,
      credentialConfigurationId: id,
      proofs: { jwt: [jwt] },
    });
    for (const c of r.credentialResponse.credentials ?? []) credentials.push(c.credential);
  }
  if (credentials.length !== offer.credential_configuration_ids.length) throw new Error(`got ${credentials.length}`);
  return `${credentials.length} dc+sd-jwt credentials`;
});

// --- SD-JWT helpers (what oid4vc-ts leaves to the wallet) ------------------------------------------
async function decode(sdJwt) {
  const [jwt, ...rest] = sdJwt.split('~');
  const disclosures = rest.filter((d) => d.length > 0);
  const payload = JSON.parse(unb64u(jwt.split('.')[1]).toString());
  const byDigest = new Map();
  for (const d of disclosures) byDigest.set(b64u(await sha256(Buffer.from(d))), JSON.parse(unb64u(d).toString()));
  const expand = (v) => {
    if (Array.isArray(v)) {
      return v
        .filter((e) => !(e && typeof e === 'object' && '...' in e) || byDigest.has(e['...']))
        .map((e) => (e && typeof e === 'object' && '...' in e ? expand(byDigest.get(e['...'])[1]) : expand(e)));
    }
    if (v && typeof v === 'object') {
      const out = {};
      for (const [k, val] of Object.entries(v)) if (k !== '_sd' && k !== '_sd_alg') out[k] = expand(val);
      for (const digest of v._sd ?? []) {
        const d = byDigest.get(digest);
        if (d) out[d[1]] = expand(d[2]);
      }
      return out;
    }
    return v;
  };
  return { jwt, disclosures, claims: expand(payload) };
}

async function present(sdJwt, nonce, aud, extra = {}) {
  const { jwt, disclosures } = await decode(sdJwt);
  const shown = `${jwt}~${disclosures.map((d) => `${d}~`).join('')}`;
  const kb = await signCompact(
    { typ: 'kb+jwt', alg: 'ES256' },
    { ...extra, iat: Math.floor(Date.now() / 1000), aud, nonce, sd_hash: b64u(await sha256(Buffer.from(shown))) },
  );
  return shown + kb;
}

// --- OpenID4VP + DCQL --------------------------------------------------------------------------
const vp = new Openid4vpClient({ callbacks });

// What the dcql package matches a query against: every received credential with its claims.
async function dcqlInputs() {
  const inputs = [];
  for (const c of credentials) {
    const { claims } = await decode(c);
    inputs.push({ credential_format: 'dc+sd-jwt', vct: claims.vct, claims, cryptographic_holder_binding: true });
  }
  return inputs;
}

// Posts `vpToken` as the direct_post answer to `request`; its HTTP status, or an error when not 2xx.
async function submit(request, vpToken) {
  const response = await vp.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: { vp_token: vpToken },
  });
  const submitted = await vp.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: response.authorizationResponsePayload,
  });
  if (!submitted.response.ok) throw new Error(`HTTP ${submitted.response.status}: ${await submitted.response.text()}`);
  return submitted.response.status;
}
let request, matches;
await step('our did:jwk-signed request object by request_uri', async () => {
  const parsed = vp.parseOpenid4vpAuthorizationRequest({ authorizationRequest: requestLink });
  const resolved = await vp.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params });
  request = resolved.authorizationRequestPayload;
  return `${resolved.client.prefix}, response_mode ${request.response_mode}`;
});
await step('dcql matches our query against the received credentials', async () => {
  const query = DcqlQuery.parse(request.dcql_query);
  DcqlQuery.validate(query);
  const inputs = await dcqlInputs();
  const result = DcqlQuery.query(query, inputs);
  if (!result.can_be_satisfied) throw new Error('the query cannot be satisfied');
  matches = result.credential_matches;
  return Object.keys(matches).join(', ');
});
await step('vp_token by direct_post to our response endpoint', async () => {
  const vpToken = {};
  for (const [id, m] of Object.entries(matches)) {
    const held = credentials[m.valid_credentials[0].input_credential_index];
    vpToken[id] = [await present(held, request.nonce, request.client_id)];
  }
  return `HTTP ${await submit(request, vpToken)}`;
});
await step('our verifier recorded a ready-to-work result', async () => {
  const r = await fetch(resultUrl, { headers: { authorization: `Bearer ${verifierToken}` } });
  const body = await r.json();
  const unmet = (body.result?.requirements ?? []).filter((q) => !q.met).map((q) => `${q.requirement} (${q.reason})`);
  if (body.result?.ready !== true) throw new Error(`not ready: ${unmet.join(', ') || JSON.stringify(body)}`);
  return `ready, ${body.result.requirements.length} requirements met`;
});
// --- An agreement signed through transaction data (OpenID4VP 1.0 §5.1, §B.3.3) --------------------
if (signingLink) {
  let signing, entries;
  await step('our signing request with transaction data', async () => {
    const parsed = vp.parseOpenid4vpAuthorizationRequest({ authorizationRequest: signingLink });
    const resolved = await vp.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params });
    signing = resolved.authorizationRequestPayload;
    entries = (signing.transaction_data ?? []).map((encoded) => ({ encoded, ...JSON.parse(unb64u(encoded)) }));
    if (entries.length !== 1) throw new Error(`expected one transaction data entry, got ${entries.length}`);
    const [td] = entries;
    if (!td.type || !Array.isArray(td.credential_ids) || !td.summary) throw new Error(`malformed ${JSON.stringify(td)}`);
    return `${td.type}: ${td.summary}`;
  });
  await step('KB-JWT with transaction_data_hashes by direct_post', async () => {
    const query = DcqlQuery.parse(signing.dcql_query);
    const inputs = await dcqlInputs();
    const result = DcqlQuery.query(query, inputs);
    if (!result.can_be_satisfied) throw new Error('the signing query cannot be satisfied');
    const vpToken = {};
    for (const [id, m] of Object.entries(result.credential_matches)) {
      const held = credentials[m.valid_credentials[0].input_credential_index];
      const hashes = [];
      for (const td of entries) if (td.credential_ids.includes(id)) hashes.push(b64u(await sha256(Buffer.from(td.encoded))));
      const extra = { transaction_data_hashes: hashes, transaction_data_hashes_alg: 'sha-256' };
      vpToken[id] = [await present(held, signing.nonce, signing.client_id, extra)];
    }
    return `HTTP ${await submit(signing, vpToken)}, the worker's signature accepted`;
  });
}
process.exit(failures ? 1 : 0);
