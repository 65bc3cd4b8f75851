// Schema linking without a model: rank the tables (and their columns) a question needs, from names,
// column names and descriptions. BM25 with each field saturating on its own, column-level evidence,
// join partners through shared keys, date-sharded families scored once, and for a whole warehouse
// databases first (best table plus a query-likelihood model of each database).
// The index is plain data (arrays, typed arrays, Maps) so a worker can build it and answer queries.
import { buildWordCosts, identifierTerms, questionTerms, splitWords, textTerms, type WordCosts } from './tokenize';
import { askedPeriod, findFamilies, orderShards, shardsInPeriod, type AskedPeriod } from './shardFamilies';

/** A table as the catalog gives it: `DB.SCHEMA.TABLE` and [name, type, description?] columns. */
export interface CatalogTable {
  table: string;
  columns: ReadonlyArray<readonly [string, string, (string | null)?] | readonly string[]>;
}

/** Tunable weights. The defaults were chosen on the dev half of the bench databases only. */
export interface LinkerParams {
  /** Field weights: a term in the table name, in its schema/database name, in column names, in descriptions. */
  wName: number;
  wContext: number;
  wColumn: number;
  wDesc: number;
  /** Share of the name-field weight given by IDF over table names rather than over all fields. */
  nameIdf: number;
  /** BM25 saturation and length normalisation (length = number of columns). */
  k1: number;
  b: number;
  /** Column-level evidence: share of the best column's score, and of the next few. */
  colBonus: number;
  colSoft: number;
  /** Weight of a column's description inside its column score. */
  descInColumn: number;
  /** Join partners of the `joinTop` best tables gain this share of the top score; bridges between two more. */
  joinBoost: number;
  joinTop: number;
  bridgeBoost: number;
  /** A key shared by more than this share of a database's tables links nothing. */
  keyMaxShare: number;
  /** Shards outside an asked period keep this share of their family's score. */
  outOfPeriod: number;
  /** With no period asked, how many shards (oldest first, newest for "latest") lead at full score. */
  familyLead: number;
  /** Dated tables holding the asked period gain this share of the top score; those outside keep `periodMiss`. */
  periodHit: number;
  periodMiss: number;
  /** Warehouse: database score = best table + dbSecond x second + dbLm x query likelihood (Dirichlet mu). */
  dbSecond: number;
  dbLm: number;
  dbMu: number;
  /** Warehouse: how many databases are ranked within, and how sharply a weaker database is discounted. */
  dbCandidates: number;
  dbPower: number;
}

export const DEFAULT_PARAMS: LinkerParams = {
  wName: 3,
  wContext: 3,
  wColumn: 1,
  wDesc: 0.3,
  nameIdf: 1,
  k1: 1.2,
  b: 0.75,
  colBonus: 0.5,
  colSoft: 0.1,
  descInColumn: 0.3,
  joinBoost: 0.3,
  joinTop: 3,
  bridgeBoost: 0.2,
  keyMaxShare: 0.5,
  outOfPeriod: 0.1,
  familyLead: 3,
  periodHit: 0.3,
  periodMiss: 0.5,
  dbSecond: 0,
  dbLm: 2,
  dbMu: 500,
  dbCandidates: 8,
  dbPower: 3,
};

/** A scoring unit: one table, or a whole date-sharded family. */
interface Doc {
  db: number;
  /** Table indices, oldest shard first for a family. */
  members: number[];
  starts: number[] | null;
  ends: number[] | null;
  /** Per column, an id into the index's shared column-name and description tables. */
  columnNames: Int32Array;
  columnDescs: Int32Array;
  /** Join keys (normalised key column names) this doc carries. */
  keys: string[];
  length: number;
}

/** Lists of ids packed flat: list i is ids[start[i] .. start[i + 1]). Few objects, little overhead. */
export interface PackedLists {
  start: Int32Array;
  ids: Int32Array;
}

export interface LinkerIndex {
  tables: string[];
  dbs: string[];
  /** Docs are sorted by database; docs of database i are [dbStart[i], dbStart[i + 1]). */
  dbStart: Int32Array;
  docs: Doc[];
  terms: Map<string, number>;
  /** Per term, the docs holding it (ascending): postings of term t are [postingStart[t], postingStart[t + 1]). */
  postingStart: Int32Array;
  postingDoc: Int32Array;
  /** Four counts per posting: in the name, in the schema/database names, in column names, in descriptions. */
  postingField: Float32Array;
  costs: WordCosts;
  /** Distinct column names (as first seen) and the term ids of each; catalogs repeat names a lot. */
  names: string[];
  nameTerms: PackedLists;
  /** Term ids of each distinct description (list 0 is the empty description). */
  descTerms: PackedLists;
}

function pack(lists: readonly (readonly number[])[]): PackedLists {
  const start = new Int32Array(lists.length + 1);
  for (let i = 0; i < lists.length; i++) start[i + 1] = start[i] + lists[i].length;
  const ids = new Int32Array(start[lists.length]);
  lists.forEach((list, i) => ids.set(list, start[i]));
  return { start, ids };
}

/** A growable typed array, for building postings without millions of small JS arrays. */
class Growable<T extends Int32Array | Float32Array> {
  length = 0;
  constructor(public data: T) {}
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new (this.data.constructor as { new (n: number): T })(Math.max(1024, this.data.length * 2));
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
}

export interface RankOptions {
  scope?: 'database' | 'warehouse';
  /** Required for scope 'database': the database whose tables are ranked. */
  database?: string;
  top?: number;
  params?: Partial<LinkerParams>;
}

export interface RankedTable {
  table: string;
  score: number;
  /** The columns that matched the question best, best first. */
  columns: string[];
}

function splitName(full: string): [string, string, string] {
  const parts = full.split('.');
  if (parts.length >= 3) return [parts[0], parts[1], parts.slice(2).join('.')];
  if (parts.length === 2) return [parts[0], '', parts[1]];
  return ['', '', full];
}

const KEY_SUFFIX = new Set(['id', 'key', 'code', 'number', 'fips', 'geoid', 'uuid', 'sk', 'fk']);

/** Marks a bare `id`/`key` column: its key is the owning table's name plus that word. */
const ID_KEY = '\u0000own';

/** Normalised join key of a column name, or null: customer_id and CustomerID -> "custom id". */
function joinKey(columnName: string, costs: WordCosts): string | null {
  const words = identifierTerms(columnName, costs, false);
  if (!words.length) return null;
  const last = words[words.length - 1];
  if (!KEY_SUFFIX.has(last) && !/^[a-z]{1,6}id$/i.test(columnName)) return null;
  if (words.length === 1) {
    if (last === 'id' || last === 'key') return ID_KEY;
    // Short glued ids (pid, mid, custid) name their entity themselves.
    const lower = columnName.toLowerCase();
    return /^[a-z]{1,6}id$/.test(lower) ? lower : null;
  }
  return words.join(' ');
}

/**
 * Collects catalog tables one at a time in a compact form (each distinct name and description kept
 * once, columns as ids), so a large catalog can be streamed in; `finish` builds the index.
 */
export class IndexBuilder {
  private readonly tables: string[] = [];
  private readonly columnStart: number[] = [0];
  private readonly columnName: number[] = [];
  private readonly columnDesc: number[] = [];
  private readonly names: string[] = [];
  private readonly nameIdOf = new Map<string, number>();
  private readonly descs: string[] = [''];
  private readonly descIdOf = new Map<string, number>([['', 0]]);

  add(entry: CatalogTable): void {
    this.tables.push(entry.table);
    for (const column of entry.columns) {
      const name = String(column[0]);
      let nameId = this.nameIdOf.get(name);
      if (nameId === undefined) {
        nameId = this.names.length;
        this.nameIdOf.set(name, nameId);
        this.names.push(name);
      }
      const desc = typeof column[2] === 'string' ? column[2] : '';
      let descId = this.descIdOf.get(desc);
      if (descId === undefined) {
        descId = this.descs.length;
        this.descIdOf.set(desc, descId);
        this.descs.push(desc);
      }
      this.columnName.push(nameId);
      this.columnDesc.push(descId);
    }
    this.columnStart.push(this.columnName.length);
  }

  finish(): LinkerIndex {
    const { tables, columnStart, columnName, columnDesc, names, descs } = this;
    const families = findFamilies(tables, 1);
    const familyOf = new Int32Array(tables.length).fill(-1);
    families.forEach((f, i) => f.members.forEach((m) => (familyOf[m] = i)));

    // Word statistics for splitting glued names: one shard per family counts, each text split once.
    const nameCount = new Float64Array(names.length);
    const descCount = new Float64Array(descs.length);
    const identifierCount = new Map<string, number>();
    tables.forEach((full, i) => {
      if (familyOf[i] >= 0 && families[familyOf[i]].members[0] !== i) return;
      const [, schema, table] = splitName(full);
      for (const text of [schema, table]) identifierCount.set(text, (identifierCount.get(text) ?? 0) + 1);
      for (let c = columnStart[i]; c < columnStart[i + 1]; c++) {
        nameCount[columnName[c]]++;
        descCount[columnDesc[c]]++;
      }
    });
    const counts = new Map<string, number>();
    const bump = (w: string, n: number) => counts.set(w, (counts.get(w) ?? 0) + n);
    const countIdentifier = (text: string, n: number) => {
      const words = splitWords(text);
      if (words.length > 1) for (const w of words) bump(w, n); // a lone glued word proves nothing
    };
    for (const [text, n] of identifierCount) countIdentifier(text, n);
    names.forEach((name, id) => nameCount[id] > 0 && countIdentifier(name, nameCount[id]));
    descs.forEach((desc, id) => {
      if (descCount[id] > 0) for (const w of splitWords(desc)) if (w.length <= 24) bump(w, descCount[id]);
    });
    const costs = buildWordCosts(counts);

    const terms = new Map<string, number>();
    const termId = (t: string) => {
      let id = terms.get(t);
      if (id === undefined) terms.set(t, (id = terms.size));
      return id;
    };
    // Column names and descriptions are tokenised once each: a catalog repeats them many times.
    const nameTerms = pack(names.map((name) => [...new Set(identifierTerms(name, costs).map(termId))]));
    const nameKeys = names.map((name) => joinKey(name, costs));
    const descTerms = pack(descs.map((desc) => (desc ? [...new Set(textTerms(desc, costs).map(termId))] : [])));

    // Units: each family once, each other table alone; sorted by database so a database is a range.
    interface Unit {
      db: string;
      name: string;
      members: number[];
      starts: number[] | null;
      ends: number[] | null;
    }
    const units: Unit[] = [];
    tables.forEach((full, i) => {
      const [db, , table] = splitName(full);
      const f = familyOf[i];
      if (f < 0) units.push({ db, name: table, members: [i], starts: null, ends: null });
      else if (families[f].members[0] === i) {
        const key = families[f].key;
        units.push({ db, name: key.slice(key.lastIndexOf('.') + 1), members: families[f].members, starts: families[f].starts, ends: families[f].ends });
      }
    });
    units.sort((a, b) => (a.db < b.db ? -1 : a.db > b.db ? 1 : a.members[0] - b.members[0]));
    const dbs: string[] = [];
    const dbStartList: number[] = [];
    units.forEach((u, i) => {
      if (dbs[dbs.length - 1] !== u.db) {
        dbs.push(u.db);
        dbStartList.push(i);
      }
    });
    dbStartList.push(units.length);
    const dbIndexOf = new Map(dbs.map((db, i) => [db, i]));
    const ownKeys = new Map<string, string>();

    // Postings collected as (term, doc, counts) in doc order, then grouped by term.
    const entryTerm = new Growable(new Int32Array(1 << 16));
    const entryDoc = new Growable(new Int32Array(1 << 16));
    const entryField = new Growable(new Float32Array(1 << 18));
    const contextCache = new Map<string, number[]>();
    // Field counts per term in a flat scratch array (name, context, column, description).
    let scratch = new Float64Array(terms.size * 4 + 4096);
    const stamp = new Int32Array(terms.size + 1024).fill(-1);
    const docs: Doc[] = units.map((unit, docIndex) => {
      const [db, schema] = splitName(tables[unit.members[0]]);
      // Columns: the union over a family's shards (schemas drift), first description wins.
      const seen = new Map<number, number>();
      const colNames: number[] = [];
      const colDescs: number[] = [];
      for (const m of unit.members) {
        for (let c = columnStart[m]; c < columnStart[m + 1]; c++) {
          const at = seen.get(columnName[c]);
          if (at === undefined) {
            seen.set(columnName[c], colNames.length);
            colNames.push(columnName[c]);
            colDescs.push(columnDesc[c]);
          } else if (colDescs[at] === 0) colDescs[at] = columnDesc[c];
        }
      }
      const touched: number[] = [];
      const field = (id: number, f: number) => {
        if (id * 4 + 3 >= scratch.length) {
          const grown = new Float64Array(Math.max(scratch.length * 2, id * 4 + 4096));
          grown.set(scratch);
          scratch = grown;
        }
        if (id >= stamp.length || stamp[id] !== docIndex) {
          if (id < stamp.length) stamp[id] = docIndex;
          touched.push(id);
        }
        scratch[id * 4 + f] += 1;
      };
      for (const id of new Set(identifierTerms(unit.name.replace(/#/g, ' '), costs).map(termId))) field(id, 0);
      const contextKey = `${db}.${schema}`;
      let contextIds = contextCache.get(contextKey);
      if (!contextIds) {
        contextIds = [...new Set([...identifierTerms(schema, costs), ...identifierTerms(db, costs)].map(termId))];
        contextCache.set(contextKey, contextIds);
      }
      for (const id of contextIds) field(id, 1);
      const keys = new Set<string>();
      for (let c = 0; c < colNames.length; c++) {
        const n = colNames[c];
        for (let t = nameTerms.start[n]; t < nameTerms.start[n + 1]; t++) field(nameTerms.ids[t], 2);
        const d = colDescs[c];
        for (let t = descTerms.start[d]; t < descTerms.start[d + 1]; t++) field(descTerms.ids[t], 3);
        const key = nameKeys[colNames[c]];
        if (key) keys.add(key === ID_KEY ? ownKey(unit.name, names[colNames[c]].toLowerCase(), costs, ownKeys) : key);
      }
      for (const id of new Set(touched)) {
        const at = id * 4;
        entryTerm.push(id);
        entryDoc.push(docIndex);
        for (let f = 0; f < 4; f++) entryField.push(scratch[at + f]);
        scratch[at] = scratch[at + 1] = scratch[at + 2] = scratch[at + 3] = 0;
      }
      return {
        db: dbIndexOf.get(unit.db) ?? 0,
        members: unit.members,
        starts: unit.starts,
        ends: unit.ends,
        columnNames: Int32Array.from(colNames),
        columnDescs: Int32Array.from(colDescs),
        keys: [...keys],
        length: colNames.length,
      };
    });

    // Counting sort by term; docs stay ascending within a term since entries came in doc order.
    const postingStart = new Int32Array(terms.size + 1);
    for (let e = 0; e < entryTerm.length; e++) postingStart[entryTerm.data[e] + 1]++;
    for (let t = 0; t < terms.size; t++) postingStart[t + 1] += postingStart[t];
    const fill = postingStart.slice(0, terms.size);
    const postingDoc = new Int32Array(entryTerm.length);
    const postingField = new Float32Array(entryTerm.length * 4);
    for (let e = 0; e < entryTerm.length; e++) {
      const at = fill[entryTerm.data[e]]++;
      postingDoc[at] = entryDoc.data[e];
      postingField.set(entryField.data.subarray(e * 4, e * 4 + 4), at * 4);
    }
    return {
      tables: [...tables],
      dbs,
      dbStart: Int32Array.from(dbStartList),
      docs,
      terms,
      postingStart,
      postingDoc,
      postingField,
      costs,
      names: [...names],
      nameTerms,
      descTerms,
    };
  }
}

/** The key a bare `id` column stands for: its table's name words plus `id` (cached per build). */
function ownKey(tableName: string, suffix: string, costs: WordCosts, cache: Map<string, string>): string {
  const cacheKey = `${tableName}\u0000${suffix}`;
  let key = cache.get(cacheKey);
  if (key === undefined) {
    key = `${identifierTerms(tableName.replace(/#/g, ' '), costs, false).join(' ')} ${suffix}`;
    cache.set(cacheKey, key);
  }
  return key;
}

/** Builds the index from catalog tables. Deterministic; no I/O. */
export function buildIndex(entries: Iterable<CatalogTable>): LinkerIndex {
  const builder = new IndexBuilder();
  for (const entry of entries) builder.add(entry);
  return builder.finish();
}

/** First position in postingDoc[from, to) (ascending) with a value >= target. */
function lowerBound(docs: Int32Array, from: number, to: number, target: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (docs[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Scored {
  doc: number;
  score: number;
  columns: string[];
}

/** Scores the docs [lo, hi) for the question terms: BM25F with IDF over that range. */
function scoreRange(index: LinkerIndex, query: { id: number; weight: number }[], lo: number, hi: number, p: LinkerParams): { scores: Float64Array; idf: Map<number, number> } {
  const n = hi - lo;
  const scores = new Float64Array(n);
  let totalLength = 0;
  for (let d = lo; d < hi; d++) totalLength += index.docs[d].length;
  const avgLength = Math.max(1, totalLength / Math.max(1, n));
  const idf = new Map<number, number>();
  for (const { id, weight } of query) {
    const first = index.postingStart[id];
    const last = index.postingStart[id + 1];
    const from = lowerBound(index.postingDoc, first, last, lo);
    const to = lowerBound(index.postingDoc, from, last, hi);
    const df = to - from;
    if (df === 0) continue;
    const w = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    idf.set(id, w * weight);
    const field = index.postingField;
    // A name match is weighed by how few table names carry the term, not how many columns do:
    // "customer" is everywhere as a column but names one table.
    let dfName = 0;
    for (let i = from; i < to; i++) if (field[i * 4] > 0) dfName++;
    const wNameIdf = dfName ? p.nameIdf * Math.log(1 + (n - dfName + 0.5) / (dfName + 0.5)) + (1 - p.nameIdf) * w : 0;
    for (let i = from; i < to; i++) {
      const doc = index.postingDoc[i];
      // Each field saturates on its own: a name match is not outweighed by many weak column hits.
      const k = p.k1 * (1 - p.b + (p.b * index.docs[doc].length) / avgLength);
      const col = field[i * 4 + 2];
      const desc = field[i * 4 + 3];
      const f =
        (field[i * 4 + 1] > 0 ? p.wContext : 0) +
        (col > 0 ? (p.wColumn * col * (1 + p.k1)) / (col + k) : 0) +
        (desc > 0 ? (p.wDesc * desc * (1 + p.k1)) / (desc + k) : 0);
      scores[doc - lo] += weight * (w * f + (field[i * 4] > 0 ? p.wName * wNameIdf : 0));
    }
  }
  return { scores, idf };
}

/** Column-level evidence for a doc: its best columns (several question terms in one column). */
function columnEvidence(index: LinkerIndex, doc: Doc, idf: Map<number, number>, p: LinkerParams): { bonus: number; columns: string[] } {
  const scored: [number, number][] = [];
  const { nameTerms, descTerms } = index;
  for (let c = 0; c < doc.columnNames.length; c++) {
    let s = 0;
    const n = doc.columnNames[c];
    for (let t = nameTerms.start[n]; t < nameTerms.start[n + 1]; t++) s += idf.get(nameTerms.ids[t]) ?? 0;
    let d = 0;
    const e = doc.columnDescs[c];
    for (let t = descTerms.start[e]; t < descTerms.start[e + 1]; t++) d += idf.get(descTerms.ids[t]) ?? 0;
    s += p.descInColumn * d;
    if (s > 0) scored.push([c, s]);
  }
  scored.sort((a, b) => b[1] - a[1]);
  let bonus = 0;
  if (scored.length) bonus = p.colBonus * scored[0][1];
  for (let i = 1; i < Math.min(scored.length, 6); i++) bonus += p.colSoft * scored[i][1];
  return { bonus, columns: scored.slice(0, 5).map(([c]) => index.names[doc.columnNames[c]]) };
}

/** Ranks the docs [lo, hi): lexical scores, column evidence, the asked period, then join partners. */
function rankDocs(index: LinkerIndex, query: { id: number; weight: number }[], period: AskedPeriod, lo: number, hi: number, p: LinkerParams, keep: number): Scored[] {
  const { scores, idf } = scoreRange(index, query, lo, hi, p);
  let maxScore = 0;
  for (const s of scores) maxScore = Math.max(maxScore, s);
  // Dated tables: those holding the asked period gain, those entirely outside it lose.
  const missed = new Set<number>();
  if (period.start !== undefined) {
    for (let d = lo; d < hi; d++) {
      const doc = index.docs[d];
      if (!doc.starts || !doc.ends) continue;
      if (shardsInPeriod(doc.starts, doc.ends, period) > 0) scores[d - lo] += p.periodHit * maxScore;
      else missed.add(d);
    }
  }
  const candidates: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i] > 0) candidates.push(i);
  candidates.sort((a, b) => scores[b] - scores[a]);
  const pool = candidates.slice(0, Math.max(keep, 60));
  const results = new Map<number, Scored>();
  for (const i of pool) {
    const doc = index.docs[lo + i];
    const ev = columnEvidence(index, doc, idf, p);
    const score = (scores[i] + ev.bonus) * (missed.has(lo + i) ? p.periodMiss : 1);
    results.set(lo + i, { doc: lo + i, score, columns: ev.columns });
  }
  let ranked = [...results.values()].sort((a, b) => b.score - a.score);

  // Join partners: tables sharing a key with the best hits, more so when they link two of them
  // (a bridge table such as order_items between orders and products).
  if ((p.joinBoost > 0 || p.bridgeBoost > 0) && ranked.length && ranked[0].score > 0) {
    const n = hi - lo;
    const keyCount = new Map<string, number>();
    for (let d = lo; d < hi; d++) for (const k of index.docs[d].keys) keyCount.set(k, (keyCount.get(k) ?? 0) + 1);
    const usable = (k: string) => (keyCount.get(k) ?? 0) <= Math.max(2, p.keyMaxShare * n);
    const topScore = ranked[0].score;
    const top = ranked.slice(0, p.joinTop).filter((t) => t.score > 0);
    const topKeys = top.map((t) => new Set(index.docs[t.doc].keys.filter(usable)));
    const boosts: [number, number][] = [];
    for (let d = lo; d < hi; d++) {
      const keys = index.docs[d].keys;
      if (!keys.length) continue;
      let first = 0;
      let second = 0;
      for (let j = 0; j < top.length; j++) {
        if (top[j].doc === d || !keys.some((k) => topKeys[j].has(k))) continue;
        const r = top[j].score / topScore;
        if (r > first) {
          second = first;
          first = r;
        } else if (r > second) second = r;
      }
      if (first > 0) boosts.push([d, topScore * (p.joinBoost * first + p.bridgeBoost * second)]);
    }
    for (const [d, boost] of boosts) {
      const existing = results.get(d);
      if (existing) existing.score += boost;
      else results.set(d, { doc: d, score: boost, columns: [] });
    }
    ranked = [...results.values()].sort((a, b) => b.score - a.score);
  }
  // Always a full ranking: unmatched tables follow, in catalog order.
  if (ranked.length < keep) {
    for (let d = lo; d < hi && ranked.length < keep; d++) if (!results.has(d)) ranked.push({ doc: d, score: 0, columns: [] });
  }
  return ranked;
}

/** Turns ranked docs into ranked tables: a family's shards in the order the asked period gives. */
function expandFamilies(index: LinkerIndex, ranked: Scored[], period: AskedPeriod, p: LinkerParams, top: number): RankedTable[] {
  const out: RankedTable[] = [];
  const later: RankedTable[] = [];
  for (const r of ranked) {
    const doc = index.docs[r.doc];
    if (!doc.starts || !doc.ends) {
      out.push({ table: index.tables[doc.members[0]], score: r.score, columns: r.columns });
      continue;
    }
    const { order, inPeriod } = orderShards(doc.starts, doc.ends, period);
    // With an asked period the family leads with its shards inside it (or, if none, the nearest
    // one); other shards rank below everything else of similar strength. Without one, the family
    // is listed whole: such questions usually read every shard.
    const lead = period.start !== undefined ? Math.max(1, inPeriod) : Math.min(order.length, p.familyLead);
    order.forEach((m, i) => {
      const item = { table: index.tables[doc.members[m]], score: r.score, columns: r.columns };
      if (i >= lead) later.push({ ...item, score: r.score * p.outOfPeriod });
      else out.push(item);
    });
    if (out.length >= top && later.length === 0) break;
  }
  const merged = [...out, ...later].map((t, i) => ({ t, i }));
  // Stable: keeps shard order within equal scores.
  merged.sort((a, b) => b.t.score - a.t.score || a.i - b.i);
  return merged.slice(0, top).map((x) => x.t);
}

function queryIds(index: LinkerIndex, question: string): { id: number; weight: number }[] {
  const out: { id: number; weight: number }[] = [];
  for (const { term, weight } of questionTerms(question, index.costs)) {
    const id = index.terms.get(term);
    if (id !== undefined) out.push({ id, weight });
  }
  return out;
}

/**
 * Ranks tables for a question. Scope 'database' ranks the tables of `database` only (IDF over that
 * database); 'warehouse' ranks databases first, then tables within the best ones.
 */
export function rank(index: LinkerIndex, question: string, options: RankOptions = {}): RankedTable[] {
  const p = { ...DEFAULT_PARAMS, ...options.params };
  const top = options.top ?? 20;
  const query = queryIds(index, question);
  const period = askedPeriod(question);
  if ((options.scope ?? 'database') === 'database') {
    const dbIndex = index.dbs.indexOf(options.database ?? '');
    if (dbIndex < 0) return [];
    const ranked = rankDocs(index, query, period, index.dbStart[dbIndex], index.dbStart[dbIndex + 1], p, top);
    return expandFamilies(index, ranked, period, p, top);
  }
  return rankWarehouse(index, query, period, p, top);
}

/** Databases ranked for a question over the whole warehouse, by their best-matching tables. */

/** Field-weighted mass of one posting, for the database language model. */
function postingMass(field: Float32Array, i: number, p: LinkerParams): number {
  return (
    (field[i * 4] > 0 ? p.wName : 0) +
    (field[i * 4 + 1] > 0 ? p.wContext : 0) +
    Math.min(field[i * 4 + 2], 3) * p.wColumn +
    Math.min(field[i * 4 + 3], 3) * p.wDesc
  );
}

const massCache = new WeakMap<LinkerIndex, { key: string; dbMass: Float64Array; total: number }>();

function databaseMass(index: LinkerIndex, p: LinkerParams): { dbMass: Float64Array; total: number } {
  const key = `${p.wName},${p.wContext},${p.wColumn},${p.wDesc}`;
  const cached = massCache.get(index);
  if (cached && cached.key === key) return cached;
  const dbMass = new Float64Array(index.dbs.length);
  for (let i = 0; i < index.postingDoc.length; i++) dbMass[index.docs[index.postingDoc[i]].db] += postingMass(index.postingField, i, p);
  let total = 0;
  for (const m of dbMass) total += m;
  const entry = { key, dbMass, total };
  massCache.set(index, entry);
  return entry;
}

function scoreDatabases(index: LinkerIndex, query: { id: number; weight: number }[], p: LinkerParams): { db: number; score: number }[] {
  const { scores } = scoreRange(index, query, 0, index.docs.length, p);
  const nDbs = index.dbs.length;
  // Query likelihood of each database as one document (Dirichlet-smoothed), relative to the collection.
  const lm = new Float64Array(nDbs);
  if (p.dbLm > 0) {
    const { dbMass, total } = databaseMass(index, p);
    const tf = new Float64Array(nDbs);
    for (const { id, weight } of query) {
      tf.fill(0);
      let mass = 0;
      for (let i = index.postingStart[id]; i < index.postingStart[id + 1]; i++) {
        const m = postingMass(index.postingField, i, p);
        tf[index.docs[index.postingDoc[i]].db] += m;
        mass += m;
      }
      if (mass === 0) continue;
      const pc = mass / total;
      for (let db = 0; db < nDbs; db++) lm[db] += weight * Math.log((tf[db] + p.dbMu * pc) / (dbMass[db] + p.dbMu) / pc);
    }
  }
  const dbScores: { db: number; score: number }[] = [];
  for (let db = 0; db < nDbs; db++) {
    let best = 0;
    let second = 0;
    for (let d = index.dbStart[db]; d < index.dbStart[db + 1]; d++) {
      const s = scores[d];
      if (s > best) {
        second = best;
        best = s;
      } else if (s > second) second = s;
    }
    if (best <= 0) continue;
    dbScores.push({ db, score: best + p.dbSecond * second + p.dbLm * lm[db] });
  }
  return dbScores.sort((a, b) => b.score - a.score);
}

/**
 * Whole warehouse: rank databases, then tables within the best few (IDF of each database), merged
 * by table strength within its database times the database's strength relative to the best one,
 * so near-tied databases (copies of the same tables) share the top of the list.
 */
function rankWarehouse(index: LinkerIndex, query: { id: number; weight: number }[], period: AskedPeriod, p: LinkerParams, top: number): RankedTable[] {
  const dbScores = scoreDatabases(index, query, p);
  if (!dbScores.length) return [];
  const best = dbScores[0].score;
  const merged: RankedTable[] = [];
  for (const { db, score } of dbScores.slice(0, p.dbCandidates)) {
    const dbWeight = best > 0 ? Math.pow(Math.max(0, score) / best, p.dbPower) : 1;
    const ranked = rankDocs(index, query, period, index.dbStart[db], index.dbStart[db + 1], p, top);
    const tables = expandFamilies(index, ranked, period, p, top);
    const max = tables.length ? Math.max(tables[0].score, 1e-9) : 1;
    tables.forEach((t, i) => merged.push({ ...t, score: dbWeight * (t.score / max) - i * 1e-6 }));
  }
  return merged.sort((a, b) => b.score - a.score).slice(0, top);
}
