// What a page with an old or wrong token shows instead of a blank screen: what happened, and how to get
// a link that works. The host's own words come first (missing or wrong token).
export function TokenPage({ reason }: { reason: string }) {
  const here = `${window.location.protocol}//${window.location.host}`;
  return (
    <main className="token-page" role="main" aria-label="Studio link expired">
      <h1>This studio link has expired</h1>
      <p role="alert">{reason}</p>
      <p className="muted">
        The studio&rsquo;s address carries a token that changes each time <code>streamlake studio</code> starts, so a
        bookmarked or old link stops working after a restart. The token keeps other web pages and programs on
        this machine from using your studio.
      </p>
      <h2>Get a fresh link</h2>
      <ol>
        <li>
          Find the terminal where <code>npx streamlake studio</code> runs. It printed a line like
          {' '}<code>Open: {here}/?token=…</code>; open that exact address.
        </li>
        <li>
          If it is not running any more, start it again with <code>npx streamlake studio</code>. It opens your
          browser on the new link by itself (or prints it with <code>--no-open</code>).
        </li>
        <li>In the desktop app there is no link to keep: just open the app.</li>
      </ol>
      <p className="muted small">This tab will not retry the old token. Once you have the new link, this tab can be closed.</p>
    </main>
  );
}
