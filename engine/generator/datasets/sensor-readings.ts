// IoT sensors in several buildings: each device has its room's baseline, a daily temperature cycle, a
// slow random drift, measurement noise, and rare spikes above 80 °C (a failing compressor, a fire) so
// alerting pipelines have something to catch.
import type { DatasetModel } from '../model.ts';
import { round2 } from '../random.ts';

const locations: readonly { name: string; temperature: number; humidity: number; swing: number }[] = [
  { name: 'warehouse-a', temperature: 17, humidity: 55, swing: 3 },
  { name: 'warehouse-b', temperature: 18, humidity: 50, swing: 3 },
  { name: 'cold-storage', temperature: 4, humidity: 85, swing: 0.5 },
  { name: 'server-room', temperature: 24, humidity: 35, swing: 1 },
  { name: 'office-1', temperature: 21.5, humidity: 45, swing: 1.5 },
  { name: 'office-2', temperature: 22, humidity: 42, swing: 1.5 },
  { name: 'factory-floor', temperature: 29, humidity: 40, swing: 4 },
];
const deviceCount = 49;
const hourMs = 3_600_000;

interface State {
  /** Drift per device (°C), a bounded random walk. */
  drift: number[];
  next: number;
}

export const sensorReadings: DatasetModel<State> = {
  meanIntervalMs: 200,
  diurnal: false,
  required: ['device_id', 'temperature', 'event_time'],
  initialState: () => ({ drift: Array.from({ length: deviceCount }, () => 0), next: 0 }),
  next({ random, time, partition, partitions }, state) {
    // Each partition owns every partitions-th device and polls them in turn, like a gateway would.
    const own = Math.ceil((deviceCount - partition) / partitions);
    const device = partition + partitions * (state.next % Math.max(1, own));
    state.next++;
    const location = locations[device % locations.length] ?? locations[0];
    if (!location) throw new Error('no sensor locations');
    const drift = Math.max(-3, Math.min(3, (state.drift[device] ?? 0) + random.normal(0, 0.05)));
    state.drift[device] = drift;
    const hour = (time / hourMs) % 24;
    const daily = Math.sin(((hour - 9) / 24) * 2 * Math.PI);
    let temperature = location.temperature + drift + location.swing * daily + random.normal(0, 0.3);
    if (random.chance(0.002)) temperature = random.between(80.5, 96);
    const humidity = Math.max(5, Math.min(100, location.humidity - 2 * location.swing * daily + random.normal(0, 2)));
    return {
      device_id: `sensor-${String(device + 1).padStart(3, '0')}`,
      location: location.name,
      temperature: round2(temperature),
      humidity: round2(humidity),
      event_time: new Date(time),
    };
  },
  breakType(row, random) {
    if (random.chance(0.7)) row.temperature = 'ERR';
    else row.humidity = '45%';
  },
};
