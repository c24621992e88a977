// Web-app clickstream: users (some far more active than others) open sessions on a device and browser,
// move between pages, click, scroll and search, and eventually leave or log out.
import type { DatasetModel } from '../model.ts';
import { serialId } from '../model.ts';
import type { Random } from '../random.ts';
import { weighted, zipf } from '../random.ts';

interface Session {
  id: string;
  user: number;
  browser: string;
  device: string;
  page: string;
  referrer: string;
}

interface State {
  sessions: Session[];
  opened: number;
}

const userCount = 8000;
const users = zipf(Array.from({ length: userCount }, (_, i) => i + 1), 0.9);
const browsers = weighted({ chrome: 63, safari: 20, edge: 6, firefox: 6, samsung: 3, opera: 2 });
const devices = weighted({ desktop: 48, mobile: 45, tablet: 7 });
const referrers = weighted({ direct: 40, google: 30, newsletter: 10, twitter: 8, linkedin: 7, partner: 5 });
const pages = weighted({ '/': 20, '/products': 18, '/product': 22, '/search': 10, '/cart': 7, '/account': 6, '/pricing': 7, '/blog': 6, '/docs': 4 });
const eventTypes = weighted({ page_view: 45, click: 28, scroll: 12, search: 8, login: 4, logout: 3 });
const elements = ['nav-link', 'buy-button', 'banner', 'footer-link', 'card', 'filter', 'menu'];
const queries = ['shoes', 'laptop', 'gift ideas', 'coffee', 'jacket', 'headphones', 'desk', 'sale', 'running', 'books'];
const targetSessions = 250;

function pagePath(random: Random): string {
  const page = pages.draw(random);
  return page === '/product' ? `/products/${100 + random.int(400)}` : page;
}

export const userEvents: DatasetModel<State> = {
  meanIntervalMs: 5,
  diurnal: true,
  required: ['user_id', 'session_id', 'event_type', 'event_time'],
  initialState: () => ({ sessions: [], opened: 0 }),
  next({ random, time, partition }, state) {
    let session: Session;
    if (state.sessions.length === 0 || (state.sessions.length < targetSessions && random.chance(0.5 - state.sessions.length / (2 * targetSessions) + 0.02))) {
      state.opened++;
      session = { id: `s${partition}-${state.opened}`, user: users.draw(random), browser: browsers.draw(random), device: devices.draw(random), page: '/', referrer: referrers.draw(random) };
      state.sessions.push(session);
    } else {
      session = state.sessions[random.int(state.sessions.length)] ?? state.sessions[0] as Session;
    }
    const type = eventTypes.draw(random);
    const properties: Record<string, unknown> = { browser: session.browser, device: session.device };
    if (type === 'page_view') {
      session.page = pagePath(random);
      properties.referrer = session.referrer;
      properties.duration_ms = Math.round(random.logNormal(9000, 0.9));
    } else if (type === 'click') properties.element = random.pick(elements);
    else if (type === 'scroll') properties.depth_pct = 10 * (1 + random.int(10));
    else if (type === 'search') {
      session.page = '/search';
      properties.query = random.pick(queries);
      properties.results = random.int(120);
    }
    const row = { user_id: serialId('user', session.user, 5), session_id: session.id, event_type: type, page: session.page, event_time: new Date(time), properties };
    // Sessions end on logout or by drifting away.
    if (type === 'logout' || random.chance(0.04)) state.sessions.splice(state.sessions.indexOf(session), 1);
    return row;
  },
  breakType(row, random) {
    if (random.chance(0.5)) row.event_time = 'yesterday';
    else row.properties = '{browser: chrome';
  },
};
