// Minimal standalone OpenID Connect provider for tests, built on panva's
// oidc-provider. Authorization code flow + PKCE (S256) only, fixed accounts,
// own HTML login page, automatic consent. See env variables below.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const env = process.env;
const PORT = Number.parseInt(env.OIDC_PORT ?? '9400', 10);
const ISSUER = env.OIDC_ISSUER || `http://127.0.0.1:${PORT}`;
const CLIENT_ID = env.OIDC_CLIENT_ID || 'test-client';
const CLIENT_SECRET = env.OIDC_CLIENT_SECRET || 'test-secret';
const REDIRECT_URIS = (env.OIDC_REDIRECT_URIS || 'http://127.0.0.1:9/cb')
  .split(',').map((s) => s.trim()).filter(Boolean);
const seconds = (name, dflt) => {
  const v = Number.parseInt(env[name] ?? '', 10);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
// A provider whose clock is off by this many seconds (negative: behind), to test that
// relying parties refuse tokens that have already expired.
const CLOCK_SKEW = Number.parseInt(env.OIDC_CLOCK_SKEW ?? '0', 10) || 0;
if (CLOCK_SKEW) {
  const realNow = Date.now;
  Date.now = () => realNow() + CLOCK_SKEW * 1000;
}
const CODE_TTL = seconds('OIDC_CODE_TTL', 60);
const ACCESS_TOKEN_TTL = seconds('OIDC_ACCESS_TOKEN_TTL', 60);
const ID_TOKEN_TTL = seconds('OIDC_ID_TOKEN_TTL', 60);

// Fixed accounts: username -> claims.
const ACCOUNTS = {
  anna: {
    sub: 'anna-sub',
    name: 'Anna Bērziņa',
    given_name: 'Anna',
    family_name: 'Bērziņa',
    email: 'anna@example.lv',
    email_verified: true,
    personal_code: '010190-12345',
  },
  janis: {
    sub: 'janis-sub',
    name: 'Jānis Kalniņš',
    given_name: 'Jānis',
    family_name: 'Kalniņš',
    email: 'janis@example.lv',
    email_verified: true,
    personal_code: '020285-54321',
  },
};
const BY_SUB = Object.fromEntries(Object.values(ACCOUNTS).map((a) => [a.sub, a]));

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' };
jwk.kid = crypto.createHash('sha256')
  .update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest('base64url');

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

const page = (title, body) => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;

const loginPage = (uid, { error, username } = {}) => page('Sign in', `<h1>Sign in</h1>
${error ? `<p role="alert">${esc(error)}</p>\n` : ''}<form method="post" action="/interaction/${esc(uid)}/login">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autofocus value="${esc(username ?? '')}">
<button type="submit">Sign in</button>
</form>`);

const configuration = {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: REDIRECT_URIS,
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // a client_secret_basic client also accepts client_secret_post (oidc-provider
    // treats the two as the same registered method)
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  responseTypes: ['code'],
  pkce: { required: () => true }, // only S256 exists in oidc-provider 9
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  scopes: ['openid', 'profile', 'email', 'personal_code'],
  claims: {
    // personal_code is released with plain `openid` and also via its own scope
    openid: ['sub', 'personal_code'],
    profile: ['name', 'given_name', 'family_name'],
    email: ['email', 'email_verified'],
    personal_code: ['personal_code'],
  },
  // put scope-granted claims into the ID token too (not only userinfo)
  conformIdTokenClaims: false,
  issueRefreshToken: async () => false,
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
  },
  ttl: {
    AuthorizationCode: CODE_TTL,
    AccessToken: ACCESS_TOKEN_TTL,
    IdToken: ID_TOKEN_TTL,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  async findAccount(ctx, sub) {
    const account = BY_SUB[sub];
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ ...account }) };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // automatic consent: every authorization gets a grant for the requested scopes
  async loadExistingGrant(ctx) {
    const { Grant } = ctx.oidc.provider;
    const accountId = ctx.oidc.session.accountId;
    const clientId = ctx.oidc.client.clientId;
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(clientId);
    let grant = grantId ? await Grant.find(grantId) : undefined;
    if (!grant || grant.accountId !== accountId || grant.clientId !== clientId) {
      grant = new Grant({ accountId, clientId });
    }
    grant.addOIDCScope(String(ctx.oidc.params.scope || 'openid'));
    await grant.save();
    return grant;
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Error', `<h1>Error</h1>\n<p>${esc(out.error)}: ${esc(out.error_description ?? '')}</p>`);
  },
};

const provider = new Provider(ISSUER, configuration);
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.on('grant.error', (ctx, err) => console.error('grant.error', err.message, err.error_detail ?? ''));

const readForm = (req) => new Promise((resolve, reject) => {
  let data = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { data += c; if (data.length > 1e5) req.destroy(); });
  req.on('end', () => resolve(new URLSearchParams(data)));
  req.on('error', reject);
});

const sendHtml = (res, status, html) => {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(html);
};

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction uid mismatch');
  const { prompt } = details;

  if (prompt.name === 'consent') { // normally never reached (loadExistingGrant)
    const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    grant.addOIDCScope(String(details.params.scope || 'openid'));
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  if (req.method === 'GET' && !action) return sendHtml(res, 200, loginPage(uid));

  if (req.method === 'POST' && action === 'login') {
    const username = ((await readForm(req)).get('username') || '').trim();
    const account = ACCOUNTS[username.toLowerCase()];
    if (!account) {
      const error = username ? `Unknown user "${username}".` : 'Enter a username.';
      return sendHtml(res, 200, loginPage(uid, { error, username }));
    }
    return provider.interactionFinished(req, res, {
      login: { accountId: account.sub },
    }, { mergeWithLastSubmission: false });
  }
  res.writeHead(405, { allow: 'GET, POST' }).end();
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const m = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/([a-z]+))?\/?(?:\?.*)?$/.exec(req.url);
  if (!m) return callback(req, res);
  try {
    await interaction(req, res, m[1], m[2]);
  } catch (err) {
    console.error('interaction error', err);
    if (!res.headersSent) sendHtml(res, 400, page('Error', `<h1>Error</h1>\n<p>${esc(err.message)}</p>`));
  }
});

server.listen(PORT, '127.0.0.1', () => console.log(`listening ${ISSUER}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
