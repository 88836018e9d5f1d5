/** Whether we may POST notifications to `value`, a URL a client sent in a signed webhook event. Anyone can register
 * an app key for their own fid and so name any URL: only https to a named public host is allowed (no credentials, no
 * IP literals, no localhost or .local/.internal names), so the sender cannot be pointed at internal services. Local
 * stand-ins (`allowLoopbackHttp`: devnet and tests only) may be http on 127.0.0.1 or localhost. Pure. */
export function isAllowedNotificationUrl(value: string, options: { allowLoopbackHttp?: boolean } = {}): boolean {
  if (value.length > 1024 || !URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') return false;
  // A fully qualified name may end in dots (`localhost.`): DNS resolves it as the name without them.
  const host = url.hostname.toLowerCase().replace(/\.+$/, '');
  const loopback = host === '127.0.0.1' || host === 'localhost';
  if (options.allowLoopbackHttp === true && loopback && (url.protocol === 'http:' || url.protocol === 'https:')) {
    return true;
  }
  if (url.protocol !== 'https:') return false;
  if (host.startsWith('[') || /^[\d.]+$/.test(host) || /^0x[0-9a-f]+$/i.test(host)) return false;
  if (!host.includes('.')) return false;
  return !/(^|\.)(localhost|local|internal|lan|home|arpa)$/.test(host);
}
