// A sign-up feed: people from many countries register with a name, an e-mail and a plan; most stay on
// the free plan, and they arrive through search, friends, social media or ads.
import type { DatasetModel } from '../model.ts';
import { serialId } from '../model.ts';
import { weighted } from '../random.ts';

const firstNames = ['Ada', 'Ben', 'Chloé', 'Daniel', 'Elif', 'Farah', 'Goran', 'Hana', 'Ivan', 'Julia', 'Kenji', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tariq', 'Uma', 'Viktor', 'Wen', 'Ximena', 'Yusuf', 'Zoë', 'Amara', 'Bruno', 'Carla', 'Dmitri'];
const lastNames = ['Andersen', 'Becker', 'Costa', 'Dubois', 'Eriksson', 'Fischer', 'García', 'Hansen', 'Ito', 'Jansen', 'Kowalski', 'López', 'Müller', 'Nakamura', 'Okafor', 'Petrov', 'Rossi', 'Silva', 'Tanaka', 'Varga', 'Weber', 'Yilmaz', 'Zhang', 'Novak', 'Moreau'];
const domains = weighted({ 'gmail.com': 45, 'outlook.com': 18, 'yahoo.com': 9, 'proton.me': 6, 'icloud.com': 10, 'example.org': 12 });
const countries = weighted({ US: 28, DE: 10, GB: 9, IN: 12, BR: 8, FR: 7, JP: 6, NL: 4, ES: 5, PL: 4, NG: 3, CA: 4 });
const plans = weighted({ free: 80, pro: 15, team: 5 });
const sources = weighted({ organic: 40, google: 25, referral: 15, social: 12, ads: 8 });

function ascii(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

export const userRegistrations: DatasetModel<null> = {
  meanIntervalMs: 500,
  diurnal: true,
  required: ['user_id', 'email', 'event_time'],
  initialState: () => null,
  next({ random, time, serial }) {
    const first = random.pick(firstNames);
    const last = random.pick(lastNames);
    const n = random.int(1000);
    return {
      user_id: serialId('u', serial),
      username: `${ascii(first)}${ascii(last).slice(0, 1)}${n}`,
      email: `${ascii(first)}.${ascii(last)}${n}@${domains.draw(random)}`,
      full_name: `${first} ${last}`,
      country: countries.draw(random),
      birth_year: Math.round(Math.max(1935, Math.min(2010, random.normal(1989, 12)))),
      plan: plans.draw(random),
      signup_source: sources.draw(random),
      marketing_opt_in: random.chance(0.35),
      event_time: new Date(time),
    };
  },
  breakType(row, random) {
    if (random.chance(0.6)) row.birth_year = 'unknown';
    else row.marketing_opt_in = 'yes';
  },
};
