interface ImportMetaEnv {
  /** Base URL of the key broker (default http://127.0.0.1:8787/, the local stack's). */
  readonly VITE_CALLSEAL_BROKER_URL?: string;
}
