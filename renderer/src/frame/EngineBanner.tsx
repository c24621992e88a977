// A banner over the canvas while the engine's host is out of reach: the socket reconnects by itself with
// backoff, "Reconnect now" tries at once, and a host that came back with a new token (restarted) turns
// the page into the expired-link page instead of retrying for ever.
import { useEffect, useState } from 'react';
import { useStudio, useStudioStore } from '../api/context.tsx';

/** How often a lost host is probed for what is wrong (down, or back with another token). */
const probeEveryMs = 3000;

export function EngineBanner() {
  const store = useStudioStore();
  const connected = useStudio((s) => s.hostConnected);
  const control = useStudio((s) => s.hostControl);
  const [detail, setDetail] = useState<string | null>(null);
  const [since, setSince] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (connected || !control) {
      setDetail(null);
      setSince(null);
      return undefined;
    }
    setSince((s) => s ?? Date.now());
    let current = true;
    const look = async () => {
      const probe = await control.probe();
      if (!current) return;
      if (probe.state === 'auth') {
        control.close();
        store.setState({ tokenRejected: `The studio was restarted and no longer accepts this page's token. ${probe.message}` });
      }
      else setDetail(probe.state === 'down' ? probe.message : 'The host answers again; reconnecting…');
      setNow(Date.now());
    };
    void look();
    const timer = window.setInterval(() => void look(), probeEveryMs);
    return () => {
      current = false;
      window.clearInterval(timer);
    };
  }, [connected, control, store]);

  if (connected) return null;
  const seconds = since === null ? 0 : Math.max(0, Math.round((now - since) / 1000));
  return (
    <div className="engine-banner" role="alert" aria-label="Engine unreachable">
      <strong>The studio engine is not reachable</strong>
      <span className="grow">
        {seconds > 0 ? `for ${seconds} s · ` : ''}reconnecting by itself. Runs, previews and queries wait until it is back; your pipeline is kept in this browser.
        {detail && <span className="muted small"> {detail}</span>}
      </span>
      <button className="small" aria-label="Reconnect now" onClick={() => control?.reconnect()}>Reconnect now</button>
    </div>
  );
}
