// Cuts secrets out of free text: Airlock tokens keep only their public id, and
// URLs lose their user-info (which may hold a password).

const TOKEN = /\balk_(key|ctr)_([0-9a-f]{12})_[A-Za-z0-9_-]{43}/g;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9_\-.~+/=]{8,}/g;

export function scrubSecrets(text: string): string {
  return text
    .replace(TOKEN, "alk_$1_$2_***")
    .replace(URL_USERINFO, "$1***@")
    .replace(BEARER, "$1***");
}
