// A real OpenID Connect provider for Lamplight's tests: oidc-provider with its development login
// form, open dynamic client registration (each test registers a client with its own redirect
// URIs), refresh tokens with rotation, RP-initiated logout, and token lifetimes set by environment.
//
//   PORT=0 ID_TOKEN_TTL=3600 node provider.mjs   -> prints "issuer http://127.0.0.1:PORT"
import http from 'node:http';
import Provider from 'oidc-provider';

const ttl = (name, fallback) => Number(process.env[name] || fallback);

const accounts = {
  // Every login name is a user; a few have groups, like a directory would.
  groups: (id) => ({ alice: ['dev', 'ops'], bob: ['viewers'] })[id] || [],
};

const server = http.createServer();
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      revocation: { enabled: true },
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['preferred_username', 'name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    // Put the scope claims into the ID token too (Lamplight reads the ID token, as Headlamp does).
    conformIdTokenClaims: false,
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            preferred_username: id,
            name: id,
            email: `${id}@example.com`,
            email_verified: true,
            groups: accounts.groups(id),
          };
        },
      };
    },
    // Issue refresh tokens to every client allowed the grant, with or without offline_access.
    async issueRefreshToken(ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    rotateRefreshToken: true,
    ttl: {
      IdToken: ttl('ID_TOKEN_TTL', 3600),
      AccessToken: ttl('ACCESS_TOKEN_TTL', 3600),
      RefreshToken: ttl('REFRESH_TOKEN_TTL', 86400),
      Session: 86400,
      Grant: 86400,
      Interaction: 600,
    },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  server.on('request', provider.callback());
  console.log(`issuer ${issuer}`);
});
