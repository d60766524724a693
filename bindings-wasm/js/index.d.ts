// TypeScript definitions of kakunin-wasm (the same API in the browser build and in Node).

export type Severity = "error" | "warning" | "info";
export type Stage = "draft" | "submit";
export type Locale = "ja" | "en";
export type Tier = "hc" | "pref" | "nat";

/** One problem found in a record. The same keys as in Rust and Python. */
export interface Finding {
  /** Rule id, `group/name`. */
  rule: string;
  severity: Severity;
  /** The message in the chosen locale. */
  message: string;
  /** JSON Pointer of the field to show the alert on. */
  path: string;
  /** Every field the rule involved: show the alert on each. */
  paths: string[];
  /** The values the message was rendered from (personal values are null unless `reveal`). */
  ctx: Record<string, unknown>;
  /** What the rule is about (its title) in the chosen locale. */
  help: string;
  /** A warning a person has acknowledged for this record (`record.acknowledged`). */
  acknowledged: boolean;
}

export interface PackInfo {
  name: string;
  version: string;
  /** SHA-256 of the pack's files. */
  hash: string;
}

export interface Report {
  pack: PackInfo;
  /** The date that decided which rules were in force. */
  reference_date: string | null;
  /** No `error` finding: the record may be written. */
  ok: boolean;
  counts: { error: number; warning: number; info: number; acknowledged: number };
  /** Sorted by path, then rule. */
  findings: Finding[];
}

export interface CheckOptions {
  /** "Today" (YYYY-MM-DD, or a Date: its day in Japan). Default: today in Japan, from the JS clock. */
  as_of?: string | Date;
  /** "draft" while the form is filled (absent fields stay silent), "submit" (default) on submission. */
  stage?: Stage;
  /** Only rules owned by these tiers. */
  tiers?: Tier[];
  /** Only these rules or groups (`dates`, `dates/in-future`). */
  select?: string[];
  /** Not these rules or groups. */
  ignore?: string[];
  /** Language of messages (default "ja"). */
  locale?: Locale;
  /** Show personal values in ctx and messages. */
  reveal?: boolean;
}

/** Which rules `list` gives: those in force on `as_of` (every rule when it is left out). */
export interface ListOptions {
  /** The day (YYYY-MM-DD, or a Date: its day in Japan) the rules are in force; no default. */
  as_of?: string | Date;
  /** The record's prefecture ("01"–"47"), whose periods may differ; needs `as_of`. */
  prefecture?: string;
}

export type BatchResult =
  | { id: string | null; report: Report }
  | { id: string | null; error: { kind: string; message: string } };

export interface RuleInfo {
  id: string;
  group: string;
  severity: Severity;
  tiers: Tier[];
  title: string;
  title_en: string;
  /** "draft": runs while a form is filled; "submit": only on submission. */
  stage: Stage;
  cross_record: boolean;
  checks: string[];
  applies: {
    from: string | null;
    until: string | null;
    prefectures: Record<string, { from: string | null; until: string | null }>;
  };
}

export interface FieldInfo {
  /** JSON Pointer pattern; `*` stands for array items. */
  path: string;
  title: string;
  title_en: string;
  format: string | null;
  /** A personal value (never shown in messages unless `reveal`). */
  sensitive: boolean;
  types: string[];
}

/** Thrown for everything that is not a finding: bad options, text that is not JSON, … */
export interface KakuninError extends Error {
  name: "KakuninError";
  /** "invalid-option" | "unknown-selector" | "input" | "pack" | "script" | "script-limit" | "not-initialised" | "freed" (a RuleSet used after free()) | "internal" (a trap in WebAssembly: a bug; reload the module) */
  kind: string;
  /** The file of a pack error (kind "pack"). */
  file?: string;
  /** The rule of a pack or script error, when there is one. */
  rule?: string | null;
  /** The script position of a script error (kind "script" or "script-limit"); 0 when unknown. */
  line?: number;
  column?: number;
}

export class RuleSet {
  private constructor();
  /** A bundled pack: "hersys" (default) or "opendata". */
  static bundled(name?: "hersys" | "opendata" | string): RuleSet;
  /**
   * A pack from its files ({path: text}, as a folder holds them). Throws kind "pack" when malformed.
   * Runs in the authoring module: in the browser `await initAuthoring()` first (else kind
   * "not-initialised"); Node loads it on the first call.
   */
  static fromFiles(files: Record<string, string>): RuleSet;
  static packs(): string[];
  readonly name: string;
  readonly version: string;
  readonly hash: string;
  info(): PackInfo & { title: string; title_en: string };
  /**
   * Checks one record. A malformed record gives findings, never an exception. A Map is read as an
   * object, a Set as an array, a Date by its field's format in the record schema (in a date
   * field, a Date at midnight is its day).
   */
  check(record: unknown, options?: CheckOptions): Report;
  /** Checks one record given as JSON text (throws kind "input" when it is not JSON). */
  checkJson(text: string, options?: CheckOptions): Report;
  /** Checks records together, so the rules across records (duplicates) run too. */
  checkAll(records: unknown[], options?: CheckOptions): BatchResult[];
  /** Every rule, or those in force on `options.as_of` (throws kind "invalid-option" for a bad day or prefecture). */
  list(options?: ListOptions): RuleInfo[];
  fields(): FieldInfo[];
  codes(): Record<string, Record<string, { ja: string; en: string }>>;
  /** Frees the module memory of this rule set; using it afterwards throws kind "freed". */
  free(): void;
}

/**
 * Loads the WebAssembly module (browser build; a no-op in Node). `input`: URL, Response,
 * BufferSource or WebAssembly.Module; default: the .wasm beside the generated glue.
 */
export function init(input?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;
/**
 * Loads the authoring module, which `RuleSet.fromFiles` runs in (it has the TOML reader a form
 * does not need; browser build; a no-op in Node). `input` as for `init`; default: the .wasm in
 * `authoring/` beside the generated glue.
 */
export function initAuthoring(input?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;
/** The version of kakunin. */
export function version(): string;
/** Today's date in Japan (the default `as_of`). */
export function todayInJapan(now?: Date): string;
