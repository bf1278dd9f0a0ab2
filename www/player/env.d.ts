interface ImportMetaEnv {
  /** Base URL of the key broker (default http://127.0.0.1:8787/, the local stack's). */
  readonly VITE_CALLSEAL_BROKER_URL?: string;
  /** The OpenID Connect issuer users sign in with (default http://127.0.0.1:8336, the local stack's). */
  readonly VITE_CALLSEAL_OIDC_ISSUER?: string;
  /** The client id the issuer knows the player by (default callseal-player). */
  readonly VITE_CALLSEAL_OIDC_CLIENT_ID?: string;
}
