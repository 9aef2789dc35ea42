// Verifies SD-JWT presentations with the OpenWallet Foundation's SD-JWT VC library, an
// implementation no one on this project wrote. Reads a JSON document on standard input:
//   {"jwks": {...}, "status_lists": {"<uri>": "<status list JWT>"},
//    "cases": [{"name": "...", "presentation": "...", "audience": "...", "nonce": "..."}]}
// and prints {"<name>": {"valid": true} | {"valid": false, "error": "..."}} for each case.
// Nothing is fetched: the status lists come in the document (tests/tokens/test_sd_jwt_interop.py).
import { createPublicKey, verify as cryptoVerify } from "node:crypto";
import { digest } from "@sd-jwt/crypto-nodejs";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => { text += chunk; });
  process.stdin.on("end", () => resolve(text));
}));

const fromB64url = (text) => Buffer.from(text, "base64url");

// Each key verifies only under its own algorithm, as the registry's verifier does.
function checkSignature(jwk, alg, data, signature) {
  const key = createPublicKey({ key: jwk, format: "jwk" });
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519" && (alg === "EdDSA" || alg === "Ed25519")) {
    return cryptoVerify(null, Buffer.from(data), key, fromB64url(signature));
  }
  if (jwk.kty === "EC" && jwk.crv === "P-256" && alg === "ES256") {
    return cryptoVerify("sha256", Buffer.from(data), { key, dsaEncoding: "ieee-p1363" }, fromB64url(signature));
  }
  return false;
}

const headerOf = (data) => JSON.parse(fromB64url(data.split(".")[0]).toString("utf8"));

// The issuer's signature (and the status list's): the registry's key named by `kid`.
const issuerVerifier = (data, signature) => {
  const header = headerOf(data);
  const jwk = input.jwks.keys.find((key) => key.kid === header.kid);
  return jwk ? checkSignature(jwk, header.alg, data, signature) : false;
};

// The KB-JWT's signature: the holder's key in the credential's `cnf`.
const kbVerifier = (data, signature, payload) => {
  const jwk = payload?.cnf?.jwk;
  return jwk ? checkSignature(jwk, headerOf(data).alg, data, signature) : false;
};

const sdjwt = new SDJwtVcInstance({
  hasher: digest,
  verifier: issuerVerifier,
  kbVerifier,
  statusListFetcher: async (uri) => {
    if (!(uri in input.status_lists)) throw new Error(`no status list given for ${uri}`);
    return input.status_lists[uri];
  },
});

const results = {};
for (const item of input.cases) {
  try {
    const verified = await sdjwt.verify(item.presentation, { keyBindingNonce: item.nonce });
    // The library checks the nonce; the audience is the verifier's to check (RFC 9901 7.3).
    if (!verified.kb) throw new Error("no key binding");
    if (verified.kb.payload.aud !== item.audience) throw new Error(`KB-JWT aud is ${verified.kb.payload.aud}`);
    if (verified.header?.typ !== "dc+sd-jwt") throw new Error(`typ is ${verified.header?.typ}`);
    results[item.name] = { valid: true, claims: verified.payload };
  } catch (error) {
    results[item.name] = { valid: false, error: String(error?.message ?? error) };
  }
}
process.stdout.write(JSON.stringify(results));
