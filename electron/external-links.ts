// Which links the desktop app hands to the system browser. A page that managed to run script (or a link
// inside data, e.g. a Kafka message rendered as a link) must not open arbitrary sites or custom protocol
// handlers (`ms-msdt:`, `file:`, `smb:`), which have been remote-code paths on several OSes. Documentation
// hosts open at once; any other https URL is shown to the user, who decides; anything else is refused.

/** Documentation the studio links to: the projects it builds on. */
export const documentationHosts: readonly string[] = [
  'iceberg.apache.org',
  'kafka.apache.org',
  'duckdb.org',
  'nightlies.apache.org',
  'docs.confluent.io',
  'prometheus.io',
  'grafana.com',
  'github.com',
];

export type LinkDecision = { action: 'open'; url: string } | { action: 'ask'; url: string; host: string } | { action: 'refuse'; reason: string };

export function decideExternalLink(text: string): LinkDecision {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { action: 'refuse', reason: 'not a URL' };
  }
  if (url.protocol !== 'https:') return { action: 'refuse', reason: `${url.protocol} links are not opened` };
  // Credentials in a link (https://docs.example@evil.test/) exist to mislead the reader.
  if (url.username !== '' || url.password !== '') return { action: 'refuse', reason: 'links with credentials are not opened' };
  const host = url.hostname.toLowerCase();
  if (documentationHosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`))) return { action: 'open', url: url.href };
  return { action: 'ask', url: url.href, host };
}
