// The parser of oVirt's search language:
//
//   query     := [collection ':'] [expr] [sortby field [asc|desc] {',' field [asc|desc]}] [page N]
//   expr      := conj {'or' conj}        conj := term {'and' term}
//   term      := '(' expr ')' | field op value | value   (a value alone is free text)
//   op        := '=' | '!=' | '<' | '>' | '<=' | '>='
//   value     := "quoted text" | text up to white space or ')'   ('*' is a wildcard)
//
// Hand-written rather than generated: the grammar is a dozen lines, values need a lexer state of
// their own (a MAC address or a time holds ':' and '-'), and every error must say where it is.
import { badRequest } from '../fault';

export type Op = '=' | '!=' | '<' | '>' | '<=' | '>=';

export interface Condition {
  kind: 'cond';
  field: string[];
  fieldAt: number;
  op: Op;
  value: string;
  valueAt: number;
}

/** A value standing alone: objects with it in any of their text fields match, as in oVirt. */
export interface FreeText {
  kind: 'text';
  value: string;
  valueAt: number;
}

export type Expr = Condition | FreeText | { kind: 'and' | 'or'; left: Expr; right: Expr };

export interface SortKey {
  field: string[];
  at: number;
  desc: boolean;
}

export interface Query {
  collection?: string;
  where?: Expr;
  sort: SortKey[];
  page?: number;
}

/** A fault naming the 1-based position of the problem in the query. */
function syntax(at: number, message: string) {
  return badRequest(`Search query error at position ${at + 1}: ${message}`);
}

const KEYWORDS = new Set(['and', 'or', 'sortby', 'page', 'asc', 'desc']);

/** Conditions one query may hold: each adds a level to the SQL expression (SQLite takes 1000). */
export const MAX_SEARCH_TERMS = 200;
/** Parentheses one query may nest. */
export const MAX_SEARCH_NESTING = 16;

class Parser {
  private i = 0;
  private terms = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  private skipSpace(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i])) this.i++;
  }

  private atEnd(): boolean {
    this.skipSpace();
    return this.i >= this.text.length;
  }

  /** A word made of letters, digits, `_` and `.`; undefined when none starts here. */
  private word(): { text: string; at: number } | undefined {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(this.text.slice(this.i));
    if (!m) return undefined;
    const at = this.i;
    this.i += m[0].length;
    return { text: m[0], at };
  }

  private peekKeyword(k: string): boolean {
    this.skipSpace();
    const m = /^[A-Za-z]+/.exec(this.text.slice(this.i));
    return !!m && m[0].toLowerCase() === k;
  }

  private keyword(k: string): boolean {
    if (!this.peekKeyword(k)) return false;
    this.i += k.length;
    return true;
  }

  parse(): Query {
    const q: Query = { sort: [] };
    const start = this.i;
    const prefix = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(this.text);
    if (prefix) {
      q.collection = prefix[1];
      this.i = prefix[0].length;
    } else {
      this.i = start;
    }
    if (!this.atEnd() && !this.peekKeyword('sortby') && !this.peekKeyword('page')) q.where = this.expr();
    if (this.keyword('sortby')) {
      do {
        const f = this.word();
        if (!f || KEYWORDS.has(f.text.toLowerCase())) throw syntax(this.i, 'expected a field to sort by');
        const desc = this.keyword('desc') ? true : (this.keyword('asc'), false);
        q.sort.push({ field: f.text.toLowerCase().split('.'), at: f.at, desc });
        this.skipSpace();
      } while (this.text[this.i] === ',' && ++this.i);
    }
    if (this.keyword('page')) {
      this.skipSpace();
      const m = /^\d+/.exec(this.text.slice(this.i));
      if (!m || Number(m[0]) < 1 || !Number.isSafeInteger(Number(m[0]))) throw syntax(this.i, 'page needs a number from 1');
      q.page = Number(m[0]);
      this.i += m[0].length;
    }
    if (!this.atEnd()) throw syntax(this.i, `unexpected '${this.text.slice(this.i, this.i + 20)}'`);
    return q;
  }

  private expr(): Expr {
    let left = this.conj();
    while (this.keyword('or')) left = { kind: 'or', left, right: this.conj() };
    return left;
  }

  private conj(): Expr {
    let left = this.term();
    while (this.keyword('and')) left = { kind: 'and', left, right: this.term() };
    return left;
  }

  private term(): Expr {
    this.skipSpace();
    if (this.text[this.i] === '(') {
      if (++this.depth > MAX_SEARCH_NESTING) throw syntax(this.i, `parentheses nest deeper than ${MAX_SEARCH_NESTING} levels`);
      this.i++;
      const inner = this.expr();
      this.skipSpace();
      if (this.text[this.i] !== ')') throw syntax(this.i, "expected ')'");
      this.i++;
      this.depth--;
      return inner;
    }
    if (++this.terms > MAX_SEARCH_TERMS) throw syntax(this.i, `a search takes at most ${MAX_SEARCH_TERMS} conditions`);
    const start = this.i;
    const f = this.text[this.i] === '"' ? undefined : this.word();
    const free = () => this.freeText(start);
    if (!f) return free() ?? this.fail('expected a field name');
    if (KEYWORDS.has(f.text.toLowerCase())) this.fail('expected a field name');
    this.skipSpace();
    const op = /^(!=|<=|>=|=|<|>)/.exec(this.text.slice(this.i))?.[1] as Op | undefined;
    if (!op) return free() ?? this.fail(`expected an operator (=, !=, <, >, <=, >=) after '${f.text}'`);
    this.i += op.length;
    this.skipSpace();
    const valueAt = this.i;
    const value = this.value();
    if (value === undefined) throw syntax(this.i, `expected a value after '${f.text} ${op}'`);
    return { kind: 'cond', field: f.text.toLowerCase().split('.'), fieldAt: f.at, op, value, valueAt };
  }

  /** A quoted or a bare value from here; undefined when none starts here. */
  private value(): string | undefined {
    if (this.text[this.i] === '"') {
      const end = this.text.indexOf('"', this.i + 1);
      if (end < 0) throw syntax(this.i, 'unterminated quoted value');
      const quoted = this.text.slice(this.i + 1, end);
      this.i = end + 1;
      return quoted;
    }
    const m = /^[^\s()"]+/.exec(this.text.slice(this.i));
    if (!m) return undefined;
    this.i += m[0].length;
    return m[0];
  }

  /**
   * The value at `start` as free text, when it is a whole term (what follows ends it); else
   * undefined, with the position left where it was, for the caller's fault.
   */
  private freeText(start: number): FreeText | undefined {
    const was = this.i;
    this.i = start;
    const value = this.value();
    const ends = this.atEnd() || this.text[this.i] === ')' || ['and', 'or', 'sortby', 'page'].some((k) => this.peekKeyword(k));
    if (value !== undefined && value !== '' && ends) return { kind: 'text', value, valueAt: start };
    this.i = was;
    return undefined;
  }

  private fail(message: string): never {
    throw syntax(this.i, message);
  }
}

export function parseSearch(text: string): Query {
  // No database stores a NUL character in text; refuse it rather than fail later.
  const nul = text.indexOf('\u0000');
  if (nul >= 0) throw syntax(nul, 'the NUL character is not allowed');
  return new Parser(text).parse();
}
