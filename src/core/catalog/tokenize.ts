// Turning identifiers (snake_case, CamelCase, glued lowercase) and questions into comparable terms.
// Pure functions and plain data only, so the index can be built and queried in a worker.
import porter2 from 'wink-porter2-stemmer';

/** Words that carry no schema meaning in a question (English function words and request phrasing). */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all also am among an and any are as at be because been before being below ' +
    'between both but by can could did do does doing down during each else etc ever every few for from further get ' +
    'give given had has have having he her here hers him his how however i if in into is it its itself just let like ' +
    'me might more most much must my no nor not of off on once one only or other our ours out over own per please ' +
    'rather same she should show so some such than that the their theirs them then there these they this those ' +
    'through to too under until up upon us using via very was we were what when where whether which while who whom ' +
    'whose why will with within without would you your yours ' +
    // request phrasing: verbs and nouns of asking, ranking and formatting, not of the data
    'based calculate compute consider considering determine display tell identify include including list find ' +
    'provide retrieve report specifically along respective respectively result results output sort sorted ' +
    'descending ascending ranked top highest lowest greatest least largest smallest maximum ' +
    'minimum max min highest round rounded decimal decimals place places figure want need know help kindly ' +
    'use used make made many well second third fourth fifth next previous number numbers total ' +
    'count counts average avg sum percentage percent ratio dataset table tables column ' +
    'columns record records entry entries information info detail details specific particular certain different ' +
    'distinct unique overall corresponding associated related across around however separately together ' +
    'e g ie eg vs yes'
  ).split(/\s+/),
);

/**
 * Generic identifier abbreviations to the word a question would use. Only widely used, unambiguous
 * forms (min, sec, st, ph mean too many things): domain jargon is left to descriptions.
 */
export const ABBREVIATIONS: Readonly<Record<string, string>> = {
  qty: 'quantity', qnty: 'quantity', amt: 'amount', num: 'number', nbr: 'number', no: 'number', cnt: 'count',
  dt: 'date', ts: 'timestamp', tm: 'time', yr: 'year', yrs: 'years', mo: 'month', mth: 'month', wk: 'week',
  hr: 'hour', hrs: 'hours', desc: 'description', descr: 'description',
  addr: 'address', cust: 'customer', prod: 'product', emp: 'employee', dept: 'department', org: 'organization',
  acct: 'account', txn: 'transaction', trx: 'transaction', tx: 'transaction', pct: 'percent', perc: 'percent',
  avg: 'average', tot: 'total', temp: 'temperature', lat: 'latitude', lon: 'longitude', lng: 'longitude',
  loc: 'location', geo: 'geography', img: 'image', msg: 'message', pos: 'position',
  dob: 'birth',
  categ: 'category', subcat: 'subcategory', usr: 'user', pwd: 'password', ref: 'reference',
  src: 'source', dst: 'destination', dest: 'destination', std: 'standard', stdev: 'deviation', val: 'value',
  vol: 'volume', wt: 'weight', ht: 'height', len: 'length',
  info: 'information', stat: 'statistic', stats: 'statistics',
  mgr: 'manager', ctry: 'country', cntry: 'country', prov: 'province', zip: 'zipcode',
  zipcode: 'zipcode', postcode: 'zipcode', tel: 'phone', fname: 'firstname', lname: 'lastname',
  govt: 'government', intl: 'international',
};

const stemCache = new Map<string, string>();

/** Porter2 stem of a lowercase word; digits and very short words stay as they are. */
export function stem(word: string): string {
  if (word.length <= 2 || /\d/.test(word)) return word;
  let cached = stemCache.get(word);
  if (cached === undefined) {
    cached = porter2(word);
    if (stemCache.size > 200_000) stemCache.clear(); // bounded: catalogs bring many one-off words
    stemCache.set(word, cached);
  }
  return cached;
}

/**
 * Words a question may use for what a schema calls something else, both ways round. Expansions are
 * scored below the word itself.
 */
const SYNONYM_GROUPS: readonly string[] = [
  // Business and warehouse words only: domain vocabulary (medicine, sport, transport, ...) is left
  // to the catalog's own names and descriptions.
  'person people individual', 'customer client buyer', 'purchase buy bought order', 'employee staff worker',
  'salary wage pay compensation', 'price cost', 'revenue sales income', 'rating score', 'gender sex',
  'country nation', 'city town municipality', 'zipcode zip postal', 'shop store', 'item product',
  'user member account', 'company firm organization', 'job occupation', 'region area', 'county district',
  'state province', 'sale sell sold', 'delivery shipment shipping', 'return refund', 'visit session',
  'comment remark', 'supplier vendor', 'invoice bill',
];

/** Question term (stemmed) -> related stems, derived once from SYNONYM_GROUPS. */
export const SYNONYMS: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const group of SYNONYM_GROUPS) {
    const stems = group.split(' ').map(stem);
    for (const s of stems) {
      const others = stems.filter((o) => o !== s);
      map.set(s, [...new Set([...(map.get(s) ?? []), ...others])]);
    }
  }
  return map;
})();

/**
 * Lowercase word pieces of any text or identifier: splits on non-alphanumerics, camelCase humps,
 * acronym boundaries (HTTPServer -> http server) and letter/digit boundaries (ga4 -> ga 4).
 */
export function splitWords(text: string): string[] {
  const spaced = text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)/g, '$1 $2')
    .replace(/(\d)([A-Za-z])/g, '$1 $2');
  return spaced.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0);
}

/** Word costs for splitting glued identifiers: -log of the word's share of a corpus. */
export type WordCosts = Map<string, number>;

/** Everyday schema words, so glued names split even in a tiny catalog with no descriptions. */
const BASE_WORDS =
  'id key code name type date time day month year week hour number count amount price cost total sum ' +
  'order item product category sub subcategory customer user account address city state country region ' +
  'zip postal phone email first last full middle title description status flag level rate value score ' +
  'start end created modified updated deleted birth hire sale sales store shop unit list line detail header ' +
  'vendor supplier employee manager department group class model size color weight height length width ' +
  'page view views visit session event source medium campaign channel device browser platform revenue ' +
  'transaction payment invoice credit card bank balance tax discount ship shipping delivery return ' +
  'reason comment review rating inventory language location latitude longitude ' +
  'duration distance min max avg average quantity percent stock standard person contact row';

const BASE_WORD_SET: ReadonlySet<string> = new Set(BASE_WORDS.split(' '));

/** Builds word costs from counted words; BASE_WORDS always present with a moderate cost. */
export function buildWordCosts(counts: Map<string, number>): WordCosts {
  const merged = new Map(counts);
  for (const w of BASE_WORD_SET) merged.set(w, (merged.get(w) ?? 0) + 5);
  let total = 0;
  for (const c of merged.values()) total += c;
  const costs: WordCosts = new Map();
  for (const [w, c] of merged) {
    // Two-letter words glue too easily (de, al, ...): only trusted ones, from the base list.
    if (w.length < 2 || (w.length === 2 && !BASE_WORD_SET.has(w)) || /\d/.test(w)) continue;
    if (c < 2) continue;
    costs.set(w, Math.log(total / c));
  }
  return costs;
}

const MAX_WORD = 24;
const PIECE_PENALTY = 4; // prefers fewer, longer pieces over many short frequent ones

/**
 * Splits a glued lowercase word (productsubcategoryid -> product subcategory id) into known words,
 * or returns null when the word is known as it is or cannot be covered by known words.
 */
export function segment(word: string, costs: WordCosts): string[] | null {
  const n = word.length;
  if (n < 6 || /\d/.test(word)) return null;
  const best = new Float64Array(n + 1).fill(Infinity);
  const from = new Int32Array(n + 1).fill(-1);
  best[0] = 0;
  for (let i = 1; i <= n; i++) {
    for (let j = Math.max(0, i - MAX_WORD); j < i; j++) {
      if (best[j] === Infinity) continue;
      const cost = costs.get(word.slice(j, i));
      if (cost === undefined) continue;
      const total = best[j] + cost + PIECE_PENALTY;
      if (total < best[i]) {
        best[i] = total;
        from[i] = j;
      }
    }
  }
  if (best[n] === Infinity) return null;
  const pieces: string[] = [];
  for (let i = n; i > 0; i = from[i]) pieces.push(word.slice(from[i], i));
  pieces.reverse();
  if (pieces.length < 2) return null;
  // A word that is common on its own stays whole unless splitting is clearly cheaper.
  const whole = costs.get(word);
  if (whole !== undefined && whole + PIECE_PENALTY <= best[n] + 2) return null;
  return pieces;
}

/** Expands an abbreviation to its word; other words unchanged. */
export function expandAbbreviation(word: string): string {
  return ABBREVIATIONS[word] ?? word;
}

/**
 * Terms of an identifier or a description: stems of its words (glued words split when costs are
 * given, abbreviations expanded), plus one compound per adjacent pair so phrases match as phrases.
 */
export function identifierTerms(text: string, costs?: WordCosts, withPairs = true): string[] {
  const words: string[] = [];
  for (const raw of splitWords(text)) {
    const pieces = costs ? segment(raw, costs) : null;
    if (pieces) {
      words.push(...pieces.map(expandAbbreviation));
    } else {
      words.push(expandAbbreviation(raw));
    }
  }
  const stems = words.map(stem);
  const terms = [...stems];
  if (withPairs) for (let i = 0; i + 1 < stems.length; i++) terms.push(`${stems[i]}_${stems[i + 1]}`);
  return terms;
}

/** A weighted term of a question. */
export interface QueryTerm {
  term: string;
  weight: number;
}

/**
 * Terms of a question: content-word stems (weight 1), glued words split, adjacent content-word
 * pairs as compounds (so "page views" meets page_views and pageviews), synonyms at a lower weight.
 */
export function questionTerms(question: string, costs?: WordCosts): QueryTerm[] {
  const weights = new Map<string, number>();
  const add = (term: string, weight: number) => {
    if (term.length < 2 && !/\d/.test(term)) return;
    weights.set(term, Math.max(weights.get(term) ?? 0, weight));
  };
  let previous: string | null = null;
  let previousRaw: string | null = null;
  // "US", "U.S." and "USA" name the country; lowercase "us" is a pronoun.
  if (/\b(?:U\.S\.A?|USA|US)(?![a-z])/.test(question)) add('usa', 1);
  for (const token of question.match(/[A-Za-z0-9]+/g) ?? []) {
    const lower = token.toLowerCase();
    const parts = splitWords(token);
    // Brand-like words (CamelCase product names) also stay whole: schemas write them glued.
    if (parts.length > 1 && /^[a-z]+$/.test(lower) && !STOPWORDS.has(lower)) add(stem(lower), 1);
    for (const word of parts) {
      if (/^\d+$/.test(word)) {
        // A small number only joins its neighbours ("5-year" meets 5YR, "chromosome 17" meets CHR17);
        // years are dates, not terms.
        if (word.length <= 2 && previous) add(`${previous}_${word}`, 0.5);
        previous = word.length <= 2 ? word : null;
        previousRaw = null;
        continue;
      }
      if (STOPWORDS.has(word)) {
        previous = previousRaw = null;
        continue;
      }
      const pieces = costs ? segment(word, costs) : null;
      const words = pieces ?? [word];
      const stems = words.map((w) => stem(expandAbbreviation(w)));
      for (const st of stems) add(st, 1);
      if (stems.length > 1) for (let i = 0; i + 1 < stems.length; i++) add(`${stems[i]}_${stems[i + 1]}`, 0.5);
      else add(stem(word), 1);
      if (previous) add(`${previous}_${stems[0]}`, 0.5);
      // Two question words a schema may write as one (Data Warehouse -> DATAWAREHOUSE).
      if (previousRaw) add(stem(previousRaw + word), 0.5);
      previous = stems[stems.length - 1];
      previousRaw = word;
      for (const st of stems) for (const syn of SYNONYMS.get(st) ?? []) if (!weights.has(syn)) add(syn, 0.5);
    }
  }
  return [...weights].map(([term, weight]) => ({ term, weight }));
}

/**
 * Terms of free text such as a column description: content-word stems and adjacent content-word
 * pairs; function words dropped since no question term can meet them.
 */
export function textTerms(text: string, costs?: WordCosts): string[] {
  const terms: string[] = [];
  let previous: string | null = null;
  for (const word of splitWords(text)) {
    if (STOPWORDS.has(word) || word.length > 40) {
      previous = null;
      continue;
    }
    const pieces = costs && word.length >= 8 ? segment(word, costs) : null;
    for (const piece of pieces ?? [word]) {
      const s = stem(expandAbbreviation(piece));
      terms.push(s);
      if (previous) terms.push(`${previous}_${s}`);
      previous = s;
    }
  }
  return terms;
}
