// Throwaway end-to-end check of provider.mjs using only node's fetch.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';

const CLIENT_ID = 'rp-test';
const CLIENT_SECRET = 's3cret:with/odd chars';
const REDIRECT = 'http://127.0.0.1:9/cb';
const children = [];

function start(port, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['provider.mjs'], {
      cwd: new URL('.', import.meta.url).pathname,
      env: {
        ...process.env, OIDC_PORT: String(port), OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_CLIENT_SECRET: CLIENT_SECRET, OIDC_REDIRECT_URIS: `${REDIRECT},http://127.0.0.1:8080/other`, ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    child.stderr.on('data', (d) => process.stderr.write(`  [provider ${port} stderr] ${d}`));
    child.stdout.on('data', (d) => {
      const m = /^listening (\S+)$/m.exec(String(d));
      if (m) resolve(m[1]);
    });
    child.on('exit', (c) => reject(new Error(`provider exited ${c}`)));
  });
}

const b64u = (b) => Buffer.from(b).toString('base64url');
const decode = (jwt) => jwt.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url')));

class Jar {
  cookies = new Map();
  store(res) { for (const c of res.headers.getSetCookie()) { const [nv] = c.split(';'); const i = nv.indexOf('='); this.cookies.set(nv.slice(0, i), nv.slice(i + 1)); } }
  header() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
}

async function req(jar, url, init = {}) {
  const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie: jar.header() } });
  jar.store(res);
  return res;
}

// Runs the browser part by hand; returns { code, verifier, state, loginHtml }.
async function authorize(issuer, { username, scope = 'openid profile email', badUserFirst = false, pkce = true }) {
  const jar = new Jar();
  const verifier = b64u(crypto.randomBytes(32));
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const state = b64u(crypto.randomBytes(12));
  const nonce = b64u(crypto.randomBytes(12));
  const q = new URLSearchParams({ client_id: CLIENT_ID, response_type: 'code', redirect_uri: REDIRECT, scope, state, nonce });
  if (pkce) { q.set('code_challenge', challenge); q.set('code_challenge_method', 'S256'); }
  let res = await req(jar, `${issuer}/auth?${q}`);
  let loginHtml; let errorHtml;
  for (let hops = 0; hops < 10; hops++) {
    if (res.status === 200) { // the login page
      const html = await res.text();
      loginHtml ??= html;
      const action = new URL(/<form method="post" action="([^"]+)"/.exec(html)[1], issuer).href;
      let user = username;
      if (badUserFirst && !errorHtml) { user = 'bob'; }
      res = await req(jar, new URL(action, issuer), { method: 'POST', body: new URLSearchParams({ username: user }) });
      if (user === 'bob') {
        assert.equal(res.status, 200);
        errorHtml = await res.text();
        assert.match(errorHtml, /role="alert">Unknown user &quot;bob&quot;\./);
        res = await req(jar, new URL(action, issuer), { method: 'POST', body: new URLSearchParams({ username }) });
      }
      continue;
    }
    assert.ok([302, 303].includes(res.status), `unexpected status ${res.status}`);
    const loc = new URL(res.headers.get('location'), issuer);
    if (loc.href.startsWith(REDIRECT)) {
      const p = loc.searchParams;
      if (p.get('error')) return { error: p.get('error'), error_description: p.get('error_description') };
      assert.equal(p.get('state'), state);
      assert.equal(p.get('iss'), issuer);
      return { code: p.get('code'), verifier, nonce, loginHtml, errorHtml, location: loc.href };
    }
    res = await req(jar, loc.href);
  }
  throw new Error('too many redirects');
}

async function token(issuer, code, verifier, method = 'basic') {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
  const headers = {};
  if (method === 'basic') {
    const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${enc(CLIENT_ID)}:${enc(CLIENT_SECRET)}`).toString('base64')}`;
  } else {
    body.set('client_id', CLIENT_ID); body.set('client_secret', CLIENT_SECRET);
  }
  const res = await fetch(`${issuer}/token`, { method: 'POST', headers, body });
  return { status: res.status, json: await res.json() };
}

function verifyJwt(jwt, jwks) {
  const [h, p, s] = jwt.split('.');
  const [header] = decode(jwt);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), crypto.createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  return { alg: header.alg, kid: header.kid, ok };
}

try {
  const issuer = await start(9411);
  console.log(`provider A: ${issuer} (default TTLs)`);
  const disco = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  console.log('discovery:', JSON.stringify({
    issuer: disco.issuer, authorization_endpoint: disco.authorization_endpoint, token_endpoint: disco.token_endpoint,
    userinfo_endpoint: disco.userinfo_endpoint, jwks_uri: disco.jwks_uri, response_types_supported: disco.response_types_supported,
    code_challenge_methods_supported: disco.code_challenge_methods_supported,
    token_endpoint_auth_methods_supported: disco.token_endpoint_auth_methods_supported, scopes_supported: disco.scopes_supported,
  }));
  const jwks = await (await fetch(disco.jwks_uri)).json();
  console.log('jwks: %d key(s), kty=%s alg=%s', jwks.keys.length, jwks.keys[0].kty, jwks.keys[0].alg);

  // 1. anna, unknown user first, client_secret_basic
  const a = await authorize(issuer, { username: 'anna', badUserFirst: true });
  console.log('login page form:', /<form[\s\S]*<\/form>/.exec(a.loginHtml)[0].replace(/\n/g, ' '));
  console.log('unknown user "bob" re-shows form with:', /<p role="alert">.*<\/p>/.exec(a.errorHtml)[0]);
  console.log('redirect:', a.location.replace(/code=[^&]+/, 'code=…'));
  const t1 = await token(issuer, a.code, a.verifier, 'basic');
  assert.equal(t1.status, 200, JSON.stringify(t1.json));
  console.log('token (basic): status %d, token_type=%s expires_in=%d, refresh_token=%s, keys=%s', t1.status, t1.json.token_type, t1.json.expires_in, t1.json.refresh_token ?? 'none', Object.keys(t1.json).join(','));
  const sig = verifyJwt(t1.json.id_token, jwks);
  assert.ok(sig.ok);
  const [, claims] = decode(t1.json.id_token);
  assert.equal(claims.nonce, a.nonce);
  console.log('id_token header: alg=%s kid matches jwks, signature valid=%s', sig.alg, sig.ok);
  console.log('id_token claims:', JSON.stringify(claims));
  const ui = await fetch(disco.userinfo_endpoint, { headers: { authorization: `Bearer ${t1.json.access_token}` } });
  console.log('userinfo: %d %s', ui.status, JSON.stringify(await ui.json()));

  const replay = await token(issuer, a.code, a.verifier, 'basic');
  assert.equal(replay.status, 400); assert.equal(replay.json.error, 'invalid_grant');
  console.log('replayed code: %d %s', replay.status, JSON.stringify(replay.json));

  // 2. janis, scope openid only, client_secret_post
  const j = await authorize(issuer, { username: 'janis', scope: 'openid' });
  const t2 = await token(issuer, j.code, j.verifier, 'post');
  assert.equal(t2.status, 200, JSON.stringify(t2.json));
  console.log('janis scope=openid, client_secret_post: %d, id_token claims: %s', t2.status, JSON.stringify(decode(t2.json.id_token)[1]));

  // 3. PKCE enforcement
  const noPkce = await authorize(issuer, { username: 'anna', pkce: false });
  console.log('authorize without code_challenge:', JSON.stringify(noPkce));
  assert.equal(noPkce.error, 'invalid_request');
  const w = await authorize(issuer, { username: 'anna' });
  const wrong = await token(issuer, w.code, b64u(crypto.randomBytes(32)), 'basic');
  console.log('wrong code_verifier: %d %s', wrong.status, JSON.stringify(wrong.json));
  assert.equal(wrong.json.error, 'invalid_grant');

  // 4. expiry: provider B with OIDC_CODE_TTL=2
  const issuerB = await start(9412, { OIDC_CODE_TTL: '2' });
  const e = await authorize(issuerB, { username: 'anna' });
  await new Promise((r) => setTimeout(r, 3000));
  const expired = await token(issuerB, e.code, e.verifier, 'basic');
  console.log('provider B %s OIDC_CODE_TTL=2, code used after 3 s: %d %s', issuerB, expired.status, JSON.stringify(expired.json));
  assert.equal(expired.json.error, 'invalid_grant');
  const fresh = await authorize(issuerB, { username: 'anna' });
  const ok = await token(issuerB, fresh.code, fresh.verifier, 'basic');
  console.log('provider B code used immediately: %d', ok.status);
  assert.equal(ok.status, 200);
  console.log('ALL CHECKS PASSED');
} finally {
  for (const c of children) c.kill('SIGTERM');
}
