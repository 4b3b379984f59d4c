/**
 * Generates the synthetic demo data set for the offline quickstart (datasets/demo/), from the
 * templates and word lists below (written for this project; no existing data set is copied).
 *
 *   npx tsc -p . && node dist/scripts/make-demo-data.js [--out DIR]
 *
 * Two tasks in the ATIS/SNIPS layout (<task>/{train,dev,test}/seq.in + seq.out, IOB2):
 *   demo_slots  flight and restaurant booking requests, lowercase; types from_city, to_city,
 *               city, date, time, airline, class, cuisine, party_size. The three city types share
 *               one word list, so only the context ("from" / "to" / "in" a restaurant request)
 *               tells them apart; numbers are dates, times or party sizes by context.
 *   demo_ner    news-style sentences, mixed case with punctuation tokens; PER, ORG, LOC, DATE.
 *               A few words are both person names and places (Jordan, Georgia, Austin), and some
 *               organisation names contain a place (Bank of Oslo).
 * Entity words come from type-specific lists and the vocabulary stays small (a few hundred
 * words), so a small randomly initialised T5 can learn the tagging in minutes.
 *
 * Deterministic: one seeded PRNG (src/data/rng.ts), no clock, no Math.random. Sentences are
 * unique across all splits, 4–20 words long. Rerunning reproduces the committed files byte for
 * byte (test/data/demo-data.test.ts checks it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Rng } from '../src/data/rng.js';

export const DEMO_SEED = 20240701;
export const MIN_WORDS = 4;
export const MAX_WORDS = 20;

export interface DemoTaskSpec {
  name: string;
  sizes: { train: number; dev: number; test: number };
  templates: string[];
  lexicon: Record<string, string[]>;
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
const cross = (xs: string[], ys: string[]) => xs.flatMap((x) => ys.map((y) => `${x} ${y}`));

// ---- demo_slots: word lists -------------------------------------------------------------------
const CITIES = [
  'boston', 'denver', 'chicago', 'seattle', 'dallas', 'miami', 'atlanta', 'phoenix', 'houston', 'detroit',
  'orlando', 'portland', 'new york', 'san francisco', 'los angeles', 'las vegas', 'san diego', 'salt lake city',
  'kansas city', 'new orleans',
];
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const HOURS = range(1, 12);
const slotsLexicon: Record<string, string[]> = {
  city: CITIES,
  // After "on": a day, "next <day>", or "<month> <n>".
  day_date: [...DAYS, ...DAYS.map((d) => `next ${d}`), ...cross(MONTHS, range(1, 28))],
  // Standing alone.
  rel_date: ['today', 'tomorrow', 'tonight', 'next week', 'this weekend', 'the day after tomorrow'],
  // After "at".
  clock_time: [...cross(HOURS, ['am', 'pm']), ...cross(HOURS.map((h) => `${h}:30`), ['am', 'pm']), 'noon', 'midnight'],
  // After "in the".
  period: ['morning', 'afternoon', 'evening'],
  airline: ['united', 'delta', 'southwest', 'lufthansa', 'american airlines', 'air canada', 'jet blue', 'alaska airlines', 'british airways'],
  class: ['first class', 'business class', 'economy', 'premium economy', 'coach'],
  cuisine: ['italian', 'thai', 'mexican', 'chinese', 'indian', 'japanese', 'french', 'greek', 'korean', 'vietnamese', 'sushi', 'seafood', 'vegan', 'middle eastern', 'fast food'],
  party_size: [...range(2, 10), 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'],
};

/*
 * Template grammar: `{tag}` or `{tag=list}` is an entity of type `tag` drawn from lexicon[list]
 * (list defaults to tag); `(a|b c|)` picks one alternative (possibly empty, possibly several
 * words), tagged O; any other word is literal and tagged O.
 */
const slotsTemplates = [
  '(i want to|i need to|i would like to|) fly from {from_city=city} to {to_city=city} (on {date=day_date}|{date=rel_date}|)',
  '(show me|list|find|are there) (the|any|) flights from {from_city=city} to {to_city=city} (on {date=day_date}|{date=rel_date})',
  '(show me|list|find) (the|) flights (leaving|departing) {from_city=city} (at {time=clock_time}|in the {time=period}) (going to|for|to) {to_city=city}',
  '(book|reserve|get me) a (one way|round trip|) (ticket|flight|seat) to {to_city=city} (on {date=day_date}|{date=rel_date}) (please|)',
  '(i need|i want|i would like) a {class} (ticket|seat) (from|out of) {from_city=city} to {to_city=city}',
  '(does|do) {airline} (fly|have flights) from {from_city=city} to {to_city=city} (on {date=day_date}|{date=rel_date}|)',
  'what {airline} flights (go|fly) to {to_city=city} (in the {time=period}|at {time=clock_time}|)',
  '(which|what) flights (arrive|land) in {to_city=city} (before|after|around) {time=clock_time} (on {date=day_date}|{date=rel_date}|)',
  'cheapest {class} fare from {from_city=city} to {to_city=city} on {airline}',
  '(is there|i need) a {airline} flight (leaving|departing) {from_city=city} (at {time=clock_time}|in the {time=period}) (on {date=day_date}|{date=rel_date})',
  'how much is a {class} (ticket|seat) to {to_city=city} (on {date=day_date}|{date=rel_date}|)',
  'flights from {from_city=city} to {to_city=city} (on {date=day_date}|{date=rel_date}) (with|on) {airline} in {class}',
  '(book|reserve|find) a table for {party_size} (people|guests|) (at|in) a {cuisine} restaurant in {city} (at {time=clock_time}|{date=rel_date}|)',
  '(i want|i need|we want) a table for {party_size} (at {time=clock_time}|{date=rel_date}) (please|)',
  '(find|show) me a {cuisine} (place|restaurant) (in|near) {city} (that is open|open|) ({date=rel_date}|on {date=day_date}|)',
  '(is there|are there) (a good|any|any good) {cuisine} (restaurants|places) in {city}',
  '(book|reserve) a {cuisine} (restaurant|place) for {party_size} (on {date=day_date}|{date=rel_date}) at {time=clock_time}',
  '(flights|fares) to {to_city=city} {date=rel_date}',
  '{cuisine} food (in|near) {city}',
  'where can i (eat|get) {cuisine} food in {city} (at {time=clock_time}|{date=rel_date}|)',
  '(we are|there are) {party_size} (of us|people) (looking for|who want) {cuisine} food (in {city}|)',
  '(can you|please) (book|reserve) (us|me) a table in {city} for {party_size} (on {date=day_date}|{date=rel_date}|)',
];

// ---- demo_ner: word lists ---------------------------------------------------------------------
const FIRST = [
  'Maria', 'John', 'Anna', 'David', 'Sofia', 'James', 'Elena', 'Omar', 'Li', 'Priya', 'Carlos', 'Grace', 'Hannah', 'Peter',
  'Fatima', 'Lucas', 'Nadia', 'Victor', 'Jordan', 'Georgia', 'Austin',
];
const LAST = ['Lopez', 'Smith', 'Berg', 'Chen', 'Okafor', 'Rossi', 'Novak', 'Khan', 'Silva', 'Tanaka', 'Moreau', 'Evans', 'Kowalski', 'Haddad', 'Park'];
const PLACES = [
  'Paris', 'Berlin', 'Tokyo', 'Lima', 'Oslo', 'Cairo', 'Nairobi', 'Madrid', 'Toronto', 'Seoul', 'Dublin', 'Kenya', 'Brazil', 'Canada',
  'Norway', 'Peru', 'Jordan', 'Georgia', 'Austin', 'New York', 'Cape Town', 'Buenos Aires', 'Hong Kong', 'South Korea', 'New Zealand',
];
const nerLexicon: Record<string, string[]> = {
  // Full names, surnames alone, and first names alone.
  person: [...cross(FIRST, LAST), ...LAST, ...FIRST],
  org: [
    'Acme Corp', 'Northwind Bank', 'Helios Energy', 'Orbit Labs', 'Summit Group', 'Greenfield Foods', 'Redwood Motors',
    'Silverline Airways', 'Blue River Bank', 'Zentra', 'Novatek', 'Pinecrest University', 'Harbor Institute',
    'Bank of Oslo', 'University of Lima', 'Port of Seattle', 'Red Cross', 'World Health Organization',
  ],
  place: PLACES,
  // After "on".
  day: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday', ...cross(['March', 'June', 'October', 'December'], range(1, 28))],
  // After "in".
  year: ['2015', '2016', '2017', '2018', '2019', '2020', '2021', '2022', '2023', 'May', 'July', 'spring', 'autumn', ...cross(['May', 'July'], ['2019', '2020', '2021'])],
  // Standing alone.
  rel: ['last week', 'last year', 'this week', 'next month', 'yesterday', 'today', 'last Tuesday', 'next Friday'],
};
const nerTemplates = [
  '{PER=person} joined {ORG=org} in {DATE=year} .',
  '{PER=person} , the (head|chief|director) of {ORG=org} , (arrived|landed) in {LOC=place} on {DATE=day} .',
  '{ORG=org} (opened|closed) (an|a new|its) office in {LOC=place} (in {DATE=year}|{DATE=rel}|) .',
  '{PER=person} met {PER=person} in {LOC=place} {DATE=rel} .',
  'Shares of {ORG=org} (rose|fell) (sharply|slightly|) on {DATE=day} .',
  '{PER=person} was born in {LOC=place} in {DATE=year} .',
  '{ORG=org} said {DATE=rel} that it will hire (200|500|1,000) people in {LOC=place} .',
  'The mayor of {LOC=place} , {PER=person} , said the plan was approved .',
  '{PER=person} told reporters in {LOC=place} that {ORG=org} would (cut|add) jobs .',
  'According to {ORG=org} , sales in {LOC=place} (fell|rose) (5|10|12) percent in {DATE=year} .',
  '(Police|Officials) in {LOC=place} said {DATE=rel} that {PER=person} had (left|resigned) .',
  '{PER=person} will (visit|leave) {LOC=place} on {DATE=day} (with {PER=person}|) .',
  '{ORG=org} and {ORG=org} signed a deal in {LOC=place} {DATE=rel} .',
  'The (report|study) by {ORG=org} was (published|released) in {DATE=year} .',
  '{PER=person} (works|worked) for {ORG=org} in {LOC=place} .',
  '{PER=person} (visited|left) {LOC=place} .',
  '{ORG=org} (grew|shrank) {DATE=rel} .',
  '(Rain|Snow|Heavy rain) (hit|closed roads in) {LOC=place} on {DATE=day} .',
  '{PER=person} (won|lost) the (vote|race|final) in {LOC=place} {DATE=rel} .',
  '" We are (happy|proud|ready) , " said {PER=person} of {ORG=org} .',
];

export const DEMO_TASKS: DemoTaskSpec[] = [
  { name: 'demo_slots', sizes: { train: 2400, dev: 250, test: 250 }, templates: slotsTemplates, lexicon: slotsLexicon },
  { name: 'demo_ner', sizes: { train: 1600, dev: 250, test: 250 }, templates: nerTemplates, lexicon: nerLexicon },
];

const SEGMENT = /\{[^}]+\}|\([^)]*\)|\S+/g;

/** One sentence from one template: whitespace-free words, one IOB2 tag each. */
export function fillTemplate(template: string, lexicon: Record<string, string[]>, rng: Rng): { tokens: string[]; tags: string[] } {
  const tokens: string[] = [];
  const tags: string[] = [];
  for (const seg of template.match(SEGMENT) ?? []) {
    if (seg.startsWith('{')) {
      const [tag, list = tag] = seg.slice(1, -1).split('=');
      const values = lexicon[list];
      if (!values) throw new Error(`template ${JSON.stringify(template)}: no word list "${list}"`);
      rng.pick(values).split(' ').forEach((w, i) => {
        tokens.push(w);
        tags.push(`${i === 0 ? 'B' : 'I'}-${tag}`);
      });
    } else if (seg.startsWith('(')) {
      // Alternatives may themselves hold entities: fill the chosen one recursively.
      const choice = fillTemplate(rng.pick(seg.slice(1, -1).split('|')), lexicon, rng);
      tokens.push(...choice.tokens);
      tags.push(...choice.tags);
    } else {
      tokens.push(seg);
      tags.push('O');
    }
  }
  return { tokens, tags };
}

/** Every demo file, keyed by its path under datasets/demo/, with its exact contents. */
export function generateDemoFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const task of DEMO_TASKS) {
    // Per-task stream: adding a task or changing another's templates leaves this one's files alone.
    const rng = new Rng(DEMO_SEED + DEMO_TASKS.indexOf(task));
    const seen = new Set<string>();
    for (const split of ['train', 'dev', 'test'] as const) {
      const seqIn: string[] = [];
      const seqOut: string[] = [];
      let attempts = 0;
      while (seqIn.length < task.sizes[split]) {
        if (++attempts > 100 * task.sizes[split]) throw new Error(`${task.name}/${split}: templates cannot yield enough unique sentences`);
        // Templates uniformly, so rare sentence shapes are as common as frequent ones.
        const s = fillTemplate(rng.pick(task.templates), task.lexicon, rng);
        const line = s.tokens.join(' ');
        if (s.tokens.length < MIN_WORDS || s.tokens.length > MAX_WORDS || seen.has(line)) continue;
        seen.add(line);
        seqIn.push(line);
        seqOut.push(s.tags.join(' '));
      }
      files.set(`${task.name}/${split}/seq.in`, seqIn.join('\n') + '\n');
      files.set(`${task.name}/${split}/seq.out`, seqOut.join('\n') + '\n');
    }
  }
  return files;
}

export function writeDemoFiles(outDir: string): string[] {
  const written: string[] = [];
  for (const [path, text] of generateDemoFiles()) {
    const target = join(outDir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    written.push(target);
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const at = process.argv.indexOf('--out');
  // Compiled to dist/scripts/: the repository root is two levels up.
  const root = resolve(fileURLToPath(new URL('../../', import.meta.url)));
  const outDir = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : join(root, 'datasets', 'demo');
  const written = writeDemoFiles(outDir);
  console.log(`wrote ${written.length} files under ${outDir}`);
}
