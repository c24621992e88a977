import { useStudio, useStudioStore } from '../api/context.tsx';
import type { LeftTab } from '../store/types.ts';
import { ConnectionsNav } from '../connections/ConnectionsNav.tsx';
import { KafkaNav } from '../kafka/KafkaNav.tsx';
import { LakeNav } from '../lake/LakeNav.tsx';
import { Palette } from './Palette.tsx';

const tabs: { id: LeftTab; label: string; icon: string }[] = [
  { id: 'pipeline', label: 'Pipeline', icon: '⬡' },
  { id: 'kafka', label: 'Kafka', icon: 'K' },
  { id: 'lake', label: 'Lake', icon: '◉' },
  { id: 'connections', label: 'Connections', icon: '⛁' },
];

export function LeftRail() {
  const store = useStudioStore();
  const tab = useStudio((s) => s.leftTab);
  const open = useStudio((s) => s.leftOpen);
  return (
    <aside className={`rail ${open ? '' : 'closed'}`} aria-label="Left rail">
      <div className="rail-tabs" role="tablist" aria-label="Views" aria-orientation="vertical">
        {tabs.map((t) => (
          <button
            key={t.id}
            role="tab"
            className="rail-tab"
            aria-selected={tab === t.id}
            aria-label={t.label}
            title={t.label}
            onClick={() => store.getState().setUi(tab === t.id ? { leftOpen: !open } : { leftTab: t.id, leftOpen: true })}
          >
            {t.icon}
          </button>
        ))}
      </div>
      {open && (
        <div className="rail-body" role="tabpanel" aria-label={`${tabs.find((t) => t.id === tab)?.label ?? ''} panel`}>
          {tab === 'pipeline' && <Palette />}
          {tab === 'kafka' && <KafkaNav />}
          {tab === 'lake' && <LakeNav />}
          {tab === 'connections' && <ConnectionsNav />}
        </div>
      )}
    </aside>
  );
}
