/** The BroadcastChannel the sign-in pop-up's landing page answers on (www/lib/signin.ts). */
export const SIGNIN_CHANNEL = 'callseal-signin';
