// Date-sharded table families (EVENTS_20210101..., SESSIONS_2017xxxx, READINGS1929..., COUNTY_2017_5YR,
// _2000_Q4): grouping by name with the date taken out, and the dates a question asks about, so a
// relevant family is listed with the shards of the asked period first.

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 (UTC) of a calendar date; month 1-12. */
export function dayNumber(year: number, month = 1, day = 1): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

function lastDayOfMonth(year: number, month: number): number {
  return dayNumber(year, month + 1, 1) - 1;
}

/** A shard's place in its family: the family key (name with the date as '#') and the period it holds. */
export interface ShardDate {
  key: string;
  start: number;
  end: number;
}

// A year 1900-2099, then optionally month and day, or a quarter; never part of a longer digit run.
const SHARD_DATE = /(?<!\d)((?:19|20)\d\d)(?:(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])?)?(?:_?Q([1-4]))?(?!\d)/gi;

/** The date a table name carries (the last date-like run), or null when it has none. */
export function shardDate(tableName: string): ShardDate | null {
  let match: RegExpExecArray | null = null;
  for (const m of tableName.matchAll(SHARD_DATE)) match = m;
  if (!match || match.index === undefined) return null;
  const year = Number(match[1]);
  let start: number;
  let end: number;
  if (match[4]) {
    const q = Number(match[4]);
    start = dayNumber(year, 3 * q - 2, 1);
    end = lastDayOfMonth(year, 3 * q);
  } else if (match[2] && match[3]) {
    start = end = dayNumber(year, Number(match[2]), Number(match[3]));
  } else if (match[2]) {
    start = dayNumber(year, Number(match[2]), 1);
    end = lastDayOfMonth(year, Number(match[2]));
  } else {
    start = dayNumber(year, 1, 1);
    end = dayNumber(year, 12, 31);
  }
  const key = tableName.slice(0, match.index) + '#' + tableName.slice(match.index + match[0].length);
  return { key, start, end };
}

/** A group of tables that differ only by date: indices into the caller's table list, oldest first. */
export interface ShardFamily {
  key: string;
  members: number[];
  starts: number[];
  ends: number[];
}

/**
 * Groups `DB.SCHEMA.TABLE` names into families (same DB.SCHEMA and key, at least `minMembers`).
 * Tables outside any family are not returned.
 */
export function findFamilies(tables: readonly string[], minMembers = 2): ShardFamily[] {
  const groups = new Map<string, { index: number; date: ShardDate }[]>();
  tables.forEach((full, index) => {
    const dot = full.lastIndexOf('.');
    const date = shardDate(full.slice(dot + 1));
    if (!date) return;
    const groupKey = `${full.slice(0, dot + 1)}${date.key}`;
    let group = groups.get(groupKey);
    if (!group) groups.set(groupKey, (group = []));
    group.push({ index, date });
  });
  const families: ShardFamily[] = [];
  for (const [key, group] of groups) {
    if (group.length < minMembers) continue;
    group.sort((a, b) => a.date.start - b.date.start || a.date.end - b.date.end);
    families.push({
      key,
      members: group.map((g) => g.index),
      starts: group.map((g) => g.date.start),
      ends: group.map((g) => g.date.end),
    });
  }
  return families;
}

/** The period a question asks about: absolute bounds and/or a trailing window length in days. */
export interface AskedPeriod {
  start?: number;
  end?: number;
  /** "past 10 years", "7-day period": a window ending at `end`, or at the family's newest shard. */
  windowDays?: number;
  /** "latest", "most recent": newest shards first when nothing else says which. */
  recent?: boolean;
  /** The dates named one by one ("from 2000 to 2018" names 2000 and 2018): listed first. */
  named?: [number, number][];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_RE = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const NUMBER_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11,
  twelve: 12, fifteen: 15, twenty: 20, thirty: 30,
};
const UNIT_DAYS: Record<string, number> = { day: 1, week: 7, month: 30, year: 365 };

/** Reads the dates a question mentions into one period; empty when it mentions none. */
export function askedPeriod(question: string): AskedPeriod {
  const text = question.toLowerCase();
  const intervals: [number, number][] = [];
  const yearAt: { pos: number; year: number }[] = [];
  for (const m of text.matchAll(/(?<![\d.$-])((?:19|20)\d\d)(?![\d%])/g)) yearAt.push({ pos: m.index ?? 0, year: Number(m[1]) });
  const claimed = new Set<number>();

  // ISO-like dates: 2021-01-07, 2021/01/07, 2021-01.
  for (const m of text.matchAll(/(?<!\d)((?:19|20)\d\d)[-/](0?[1-9]|1[0-2])(?:[-/](0?[1-9]|[12]\d|3[01]))?(?!\d)/g)) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    intervals.push(m[3] ? [dayNumber(y, mo, Number(m[3])), dayNumber(y, mo, Number(m[3]))] : [dayNumber(y, mo), lastDayOfMonth(y, mo)]);
    claimed.add(m.index ?? 0);
  }

  // Day ranges inside one month: "November 1-30, 2020", "July 1 to 7, 2016".
  const dayRanges: [number, number][] = [];
  for (const m of text.matchAll(new RegExp(`\\b(${MONTH_RE})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\s*(?:-|–|to|through|until)\\s*(\\d{1,2})(?:st|nd|rd|th)?\\b(?!\\s*(?:years?|days?|%))`, 'g'))) {
    const pos = m.index ?? 0;
    const month = MONTHS.indexOf(m[1].slice(0, 3)) + 1;
    const yearHit = yearAt.find((y) => y.pos > pos && y.pos - pos < 60);
    const year = yearHit?.year;
    const d1 = Number(m[2]);
    const d2 = Number(m[3]);
    if (!yearHit || !year || d1 < 1 || d2 > 31 || d2 < d1) continue;
    claimed.add(yearHit.pos);
    intervals.push([dayNumber(year, month, d1), dayNumber(year, month, d2)]);
    dayRanges.push([pos, pos + m[0].length]);
  }

  // Month names, with an optional day either side, tied to the nearest year after them (else before).
  for (const m of text.matchAll(new RegExp(`(?:(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?)?\\b(${MONTH_RE})\\b\\.?(?:\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?!\\s*(?:years?|days?|%)))?`, 'g'))) {
    const word = m[2];
    if (dayRanges.some(([a, b]) => (m.index ?? 0) >= a - 3 && (m.index ?? 0) < b)) continue;
    if (word === 'may' && !m[1] && !m[3] && !/\b(?:in|of|during|since|until|from|to|through)\s+may\b/.test(text.slice(Math.max(0, (m.index ?? 0) - 12), (m.index ?? 0) + 3))) continue; // the verb "may"
    const month = MONTHS.indexOf(word.slice(0, 3)) + 1;
    const pos = m.index ?? 0;
    const after = yearAt.find((y) => y.pos > pos && y.pos - pos < 60);
    const before = [...yearAt].reverse().find((y) => y.pos < pos && pos - y.pos < 60);
    const year = (after ?? before)?.year;
    if (!year) continue;
    const dayText = m[3] ?? m[1];
    const day = dayText ? Number(dayText) : 0;
    if (day >= 1 && day <= 31) intervals.push([dayNumber(year, month, day), dayNumber(year, month, day)]);
    else intervals.push([dayNumber(year, month), lastDayOfMonth(year, month)]);
    if (after) claimed.add(after.pos);
    if (before && !after) claimed.add(before.pos);
  }

  // Quarters and halves of a year.
  for (const m of text.matchAll(/\b(?:q([1-4])|(first|second|third|fourth|1st|2nd|3rd|4th) quarter)(?: of)?\s*((?:19|20)\d\d)\b/g)) {
    const q = m[1] ? Number(m[1]) : ['first', 'second', 'third', 'fourth'].indexOf(m[2]) + 1 || Number(m[2][0]);
    const y = Number(m[3]);
    intervals.push([dayNumber(y, 3 * q - 2), lastDayOfMonth(y, 3 * q)]);
    claimed.add((m.index ?? 0) + m[0].length - 4);
  }
  for (const m of text.matchAll(/\b(first|second) half of\s*((?:19|20)\d\d)\b/g)) {
    const y = Number(m[2]);
    intervals.push(m[1] === 'first' ? [dayNumber(y, 1), lastDayOfMonth(y, 6)] : [dayNumber(y, 7), lastDayOfMonth(y, 12)]);
    claimed.add((m.index ?? 0) + m[0].length - 4);
  }

  // Bare years not tied to a month: the whole year.
  for (const { pos, year } of yearAt) if (!claimed.has(pos)) intervals.push([dayNumber(year), dayNumber(year, 12, 31)]);

  const period: AskedPeriod = {};
  if (intervals.length) {
    period.named = intervals;
    period.start = Math.min(...intervals.map((i) => i[0]));
    period.end = Math.max(...intervals.map((i) => i[1]));
  }
  const windowMatch =
    text.match(/\b(?:past|last|previous|preceding|recent|latest)\s+(\d+|[a-z]+)\s+(day|week|month|year)s?\b/) ??
    text.match(/\b(\d+|[a-z]+)[- ](day|week|month|year)s?\s+(?:period|window|span)\b/);
  if (windowMatch) {
    const n = /^\d+$/.test(windowMatch[1]) ? Number(windowMatch[1]) : NUMBER_WORDS[windowMatch[1]];
    if (n && n > 0 && n < 1000) period.windowDays = n * UNIT_DAYS[windowMatch[2]];
  }
  if (/\b(?:latest|most recent|newest|current|recent)\b/.test(text)) period.recent = true;
  return period;
}

/** The asked period as day bounds for a family whose shards end on `ends`; null when none asked. */
export function periodBounds(period: AskedPeriod, ends: readonly number[]): [number, number] | null {
  let lo = period.start;
  let hi = period.end;
  if (period.windowDays !== undefined) {
    const windowEnd = hi ?? Math.max(...ends);
    hi = windowEnd;
    lo = Math.min(lo ?? Infinity, windowEnd - period.windowDays + 1);
  }
  return lo === undefined || hi === undefined ? null : [lo, hi];
}

/** How many shards overlap the asked absolute period (a bare "past 10 years" counts none). */
export function shardsInPeriod(starts: readonly number[], ends: readonly number[], period: AskedPeriod): number {
  if (period.start === undefined || period.end === undefined) return 0;
  const bounds = periodBounds(period, ends)!;
  let count = 0;
  for (let i = 0; i < starts.length; i++) if (starts[i] <= bounds[1] && ends[i] >= bounds[0]) count++;
  return count;
}

/**
 * The order to list a family's shards in for an asked period, with each shard's closeness (1 inside
 * the period, falling with distance outside). Without any date: newest first when the question says
 * "latest", else oldest first (whole-family questions read them all anyway).
 */
export function orderShards(
  starts: readonly number[],
  ends: readonly number[],
  period: AskedPeriod,
): { order: number[]; inPeriod: number } {
  const n = starts.length;
  const idx = Array.from({ length: n }, (_, i) => i);
  const bounds = periodBounds(period, ends);
  if (!bounds) {
    if (period.recent) idx.reverse();
    return { order: idx, inPeriod: 0 };
  }
  const [lo, hi] = bounds;
  const distance = (i: number) => (ends[i] < lo ? lo - ends[i] : starts[i] > hi ? starts[i] - hi : 0);
  // Inside the period, shards of a named date before those merely between two named dates.
  const named = period.named ?? [];
  const unnamed = (i: number) => (named.some(([a, b]) => starts[i] <= b && ends[i] >= a) ? 0 : 1);
  idx.sort((a, b) => distance(a) - distance(b) || unnamed(a) - unnamed(b) || starts[a] - starts[b]);
  let inPeriod = 0;
  while (inPeriod < n && distance(idx[inPeriod]) === 0) inPeriod++;
  return { order: idx, inPeriod };
}
