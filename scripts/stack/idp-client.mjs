// The player as a client of the local identity provider (scripts/stack/idp.mjs): its client id,
// the scopes it asks for, the path of its redirect URI under each page origin.
export const CLIENT_ID = 'callseal-player';
export const SCOPE = 'openid profile groups';
export const REDIRECT_PATH = '/player/signin.html';
