// What a lazily loaded view shows while its code arrives: the first screen ships without the lake
// explorer, the Kafka browser, the SQL workbench, the charts and monitoring, which load when first shown.
export function Loading({ what }: { what: string }) {
  return <p className="empty" role="status" aria-label={`Loading ${what}`}>Loading {what}…</p>;
}
