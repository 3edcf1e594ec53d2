// A throwaway OpenID provider for the portal's tests: node provider.js PORT, configured by
// environment variables (see tests/accounts/oidc_provider/__init__.py). Its own
// devInteractions pages take any login name with any password; the account's claims come from
// findAccount below: the login name is the account's sub (and its preferred_username), and
// the JSON file OIDC_TEST_ACCOUNTS, read again at each sign-in so a test can change an
// account between two, adds or replaces claims by login name (groups, jobTitle, department,
// another preferred_username...).
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

function accountClaims(id) {
  const file = process.env.OIDC_TEST_ACCOUNTS;
  return file ? JSON.parse(readFileSync(file, "utf8"))[id] || {} : {};
}

const port = Number(process.argv[2]);
const issuer = process.env.OIDC_TEST_ISSUER || `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_TEST_CLIENT_ID,
      client_secret: process.env.OIDC_TEST_CLIENT_SECRET,
      redirect_uris: [process.env.OIDC_TEST_REDIRECT_URI],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  claims: {
    // Where Entra ID puts them: groups and the optional claims in the ID token itself.
    openid: ["sub", "amr", "groups", "jobTitle", "department"],
    email: ["email", "email_verified"],
    profile: ["given_name", "family_name", "name", "preferred_username"],
  },
  // The profile claims in the ID token itself, as Entra ID sends them.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["test-only-cookie-key"] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          preferred_username: id,
          given_name: "Ada",
          family_name: "Okafor",
          name: "Ada Okafor",
          email: `${id}@hospital.example`,
          email_verified: true,
          ...accountClaims(id),
          sub: id,
        };
      },
    };
  },
});
// How the person signed in (e.g. "pwd,mfa", as Entra ID reports a second factor): the ID
// token's amr comes from the login's result, which devInteractions leaves without one.
const amr = process.env.OIDC_TEST_AMR ? process.env.OIDC_TEST_AMR.split(",") : null;
const finish = provider.interactionFinished.bind(provider);
provider.interactionFinished = (req, res, result, options) =>
  finish(req, res, amr && result.login ? { ...result, login: { ...result.login, amr } } : result, options);
// The tests run the portal over plain http on 127.0.0.1.
provider.proxy = false;
provider.listen(port, "127.0.0.1", () => console.log(`listening ${issuer}`));
