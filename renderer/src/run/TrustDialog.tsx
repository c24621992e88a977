// "Do you trust this pipeline?": exactly what a run will read and where its data will go, with what
// reaches outside the studio's folders and saved connections marked. Cancel is the default.
import type { TrustItem } from '../../../engine/api/contract.ts';
import { useTrustRequest } from './trust.ts';

function Item({ item }: { item: TrustItem }) {
  return (
    <li className={item.outside ? 'trust-outside' : undefined}>
      <code>{item.nodeId}</code> {item.direction} {item.kind === 'file' ? <>file <code>{item.target}</code></> : item.target}
      {item.detail && <span className="faint"> ({item.detail})</span>}
      {item.outside && <strong className="trust-badge"> outside the studio</strong>}
    </li>
  );
}

export function TrustDialog() {
  const request = useTrustRequest();
  if (!request) return null;
  const reads = request.report.items.filter((item) => item.direction === 'reads');
  const writes = request.report.items.filter((item) => item.direction === 'writes');
  const cancel = () => request.answer(false);
  return (
    <div className="backdrop" onClick={cancel} onKeyDown={(e) => e.key === 'Escape' && cancel()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label="Trust this pipeline?" onClick={(e) => e.stopPropagation()}>
        <h2>Run “{request.pipelineName}”?</h2>
        <p style={{ margin: 0 }}>
          This pipeline reaches outside the studio’s folders and your saved Kafka connections. It runs with your
          rights: run it only if you trust where it came from.
        </p>
        {reads.length > 0 && (<><h3 style={{ margin: 0 }}>It will read</h3><ul aria-label="It will read">{reads.map((item, i) => <Item key={i} item={item} />)}</ul></>)}
        {writes.length > 0 && (<><h3 style={{ margin: 0 }}>Its data will go to</h3><ul aria-label="Its data will go to">{writes.map((item, i) => <Item key={i} item={item} />)}</ul></>)}
        <p className="faint" style={{ margin: 0 }}>Your answer is remembered for this exact list; a pipeline that reaches anything else asks again.</p>
        <div className="row" style={{ justifyContent: 'flex-end', gap: 8 }}>
          <button autoFocus onClick={cancel}>Cancel</button>
          <button className="primary" onClick={() => request.answer(true)}>Trust and run</button>
        </div>
      </div>
    </div>
  );
}
