// The JS API of kakunin, written once over the raw wasm-bindgen exports (web or Node build).
// It converts values and fills `as_of` from the clock; every decision is the Rust core's.

const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

/** Today's date in Japan (UTC+9) as YYYY-MM-DD: the default `as_of` (WebAssembly has no clock). */
export function todayInJapan(now = new Date()) {
  return new Date(now.getTime() + JST_OFFSET_MS).toISOString().slice(0, 10);
}

/** An Error named KakuninError with a machine-readable `kind`, as the Rust side throws them. */
export function kakuninError(kind, message) {
  const error = new Error(message);
  error.name = "KakuninError";
  error.kind = kind;
  return error;
}

/**
 * Runs a call into WebAssembly. A trap there is memory run out (texts of hundreds of MB: the
 * module has 4 GB) or a Rust panic, a bug in kakunin: it becomes a KakuninError of kind
 * "internal" that says so, not a bare `RuntimeError: unreachable`. Rule sets go on checking
 * (nothing they keep is left half-changed); the memory the call held is not freed.
 */
function intoWasm(call) {
  try {
    return call();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      throw kakuninError(
        "internal",
        `kakunin stopped inside WebAssembly (${e.message}): out of memory (a record of hundreds of MB) or a bug in kakunin; ` +
          "checking goes on, but what that call took is not given back until the page (or process) is reloaded",
      );
    }
    throw e;
  }
}

/**
 * A Date as a record holds it (the same reading as the Python binding's for a datetime). In a
 * `date` field, a Date at midnight is that day: midnight here (a date picker's; in Japan, the
 * day in Japan) or midnight UTC (`<input type=date>`'s `valueAsDate`, `new Date("2021-08-10")`).
 * At any other time, and in a `date-time` field, it is RFC 3339 in Japan time, which a date
 * field reports. `as_of` is the day in Japan at that instant (as its default is); elsewhere it
 * stays `fallback`, the Date's own JSON.
 */
function dateText(date, format, fallback) {
  if (format === "as_of") return todayInJapan(date);
  if (format === "date") {
    if (date.getHours() + date.getMinutes() + date.getSeconds() + date.getMilliseconds() === 0) {
      const pad = (n, width = 2) => String(n).padStart(width, "0");
      return `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
    }
    if (date.getTime() % 86_400_000 === 0) return fallback.slice(0, 10);
  } else if (format !== "date-time") {
    return fallback;
  }
  const jst = new Date(date.getTime() + JST_OFFSET_MS);
  if (Number.isNaN(jst.getTime())) return fallback;
  const iso = jst.toISOString();
  return `${iso.slice(0, iso.endsWith(".000Z") ? 19 : 23)}+09:00`;
}

/** The schema pattern of a JSON Pointer: array indexes are `*`. */
const pattern = (pointer) => pointer.replace(/\/\d+(?=\/|$)/g, "/*");

/**
 * A value as JSON text for the core, with what JSON has no form for converted as the Python
 * binding converts it: NaN is "missing" (null), an infinity the string "inf" / "-inf" (a rule
 * reports it as a wrong type), a lone UTF-16 surrogate U+FFFD (`wellFormed`), a Map an object
 * and a Set an array (JSON would write `{}` and lose them), and a Date the text its field takes
 * (`formatOf(pattern)`: the field's format in the record schema).
 */
function jsonText(value, what, formatOf = () => null) {
  const paths = new WeakMap(); // object -> its JSON Pointer
  const pathOf = (holder, key) => {
    const parent = paths.get(holder);
    return parent === undefined ? "" : `${parent}/${key}`; // undefined: the root's holder
  };
  function replacer(key, value) {
    switch (typeof value) {
      case "number":
        if (Number.isFinite(value)) return value;
        return Number.isNaN(value) ? null : value > 0 ? "inf" : "-inf";
      case "string": {
        // A Date arrives as its toJSON() text (UTC, ending in Z); `this[key]` is the Date.
        if (value.endsWith("Z") && this[key] instanceof Date) {
          return dateText(this[key], formatOf(pattern(pathOf(this, key))), value);
        }
        return value;
      }
      case "object": {
        if (value === null) return null;
        const plain = value instanceof Map ? Object.fromEntries(value) : value instanceof Set ? [...value] : value;
        paths.set(plain, pathOf(this, key));
        return plain;
      }
      default:
        return value;
    }
  }
  let text;
  try {
    text = JSON.stringify(value, replacer);
  } catch (e) {
    // BigInt, circular structures: not JSON at all, so not a record kakunin can read.
    throw kakuninError("input", `${what} cannot be converted to JSON: ${e.message}`);
  }
  return text === undefined ? "null" : wellFormed(text);
}

/**
 * JSON text with each lone surrogate (a broken paste, an emoji cut in half) as U+FFFD, which the
 * core's reader refuses. JSON.stringify writes paired surrogates as they are and a lone one as
 * the escape `\udXXX`, in values and keys alike; an escape is one after an odd run of
 * backslashes (`\\ud800` is a backslash and the text "ud800"). Every engine: no toWellFormed.
 */
function wellFormed(text) {
  if (!text.includes("\\ud")) return text;
  return text.replace(/(\\+)u(d[89a-f][0-9a-f]{2})/g, (all, slashes) =>
    slashes.length % 2 === 1 ? `${slashes}ufffd` : all,
  );
}

/** Options' one date: `as_of` (a Date is its day in Japan). */
const optionFormat = (pointer) => (pointer === "/as_of" ? "as_of" : null);

function optionsText(options) {
  if (options == null) return JSON.stringify({ as_of: todayInJapan() });
  if (typeof options === "object" && !Array.isArray(options) && options.as_of == null) {
    return jsonText({ ...options, as_of: todayInJapan() }, "the options", optionFormat);
  }
  // Anything else goes to the core as it is, which says what is wrong with it.
  return jsonText(options, "the options", optionFormat);
}

/**
 * Builds the API over a raw module. `ready()` throws when the module is not initialised yet
 * (the browser build must be `await init()`ed first). `authoring()` returns the raw authoring
 * module (the same exports plus `RuleSet.fromFilesText`), loading it in Node, or throws when the
 * browser has not loaded it (`await initAuthoring()`).
 */
export function makeApi(raw, ready = () => {}, authoring = () => raw) {
  const made = Symbol("kakunin RuleSet");

  class RuleSet {
    #raw;
    #formats; // schema pattern -> format ("date", "date-time"), read when a record holds a Date

    /** The raw rule set; after `free()`, a KakuninError rather than wasm-bindgen's null pointer. */
    get #live() {
      if (this.#raw === undefined) {
        throw kakuninError("freed", "this RuleSet was freed (free()): get another with RuleSet.bundled");
      }
      return this.#raw;
    }

    /** The format of a field of the record schema, for Dates (see `jsonText`). */
    #formatOf = (pointer) => {
      this.#formats ??= new Map(this.fields().map((f) => [f.path, f.format]));
      return this.#formats.get(pointer) ?? null;
    };

    /** @private Use RuleSet.bundled(name). */
    constructor(rawRuleSet, key) {
      if (key !== made) {
        throw kakuninError("invalid-option", "use RuleSet.bundled(name) to get a rule set");
      }
      this.#raw = rawRuleSet;
    }

    /** A bundled pack: "hersys" (default) or "opendata". Compiled once per module. */
    static bundled(name = "hersys") {
      ready();
      return new RuleSet(intoWasm(() => raw.RuleSet.bundled(name)), made);
    }

    /**
     * A pack from its files: {"pack.toml": text, "record.schema.json": text, "d/rule.toml": text, …},
     * as a folder holds them. A malformed pack throws (kind "pack", with `file` and `rule`).
     * Runs in the authoring module (it has the TOML reader): in the browser, `await
     * initAuthoring()` first; Node loads it on the first call.
     */
    static fromFiles(files) {
      ready();
      if (files === null || typeof files !== "object" || Array.isArray(files)) {
        throw kakuninError("input", "fromFiles takes an object of file path -> text");
      }
      const full = authoring();
      return new RuleSet(intoWasm(() => full.RuleSet.fromFilesText(jsonText(files, "the files"))), made);
    }

    /** The names of the bundled packs. */
    static packs() {
      ready();
      return JSON.parse(raw.RuleSet.packsJson());
    }

    get name() {
      return this.#live.name;
    }

    get version() {
      return this.#live.version;
    }

    get hash() {
      return this.#live.hash;
    }

    /** {name, version, hash, title, title_en} */
    info() {
      return JSON.parse(this.#live.infoJson());
    }

    /** Checks one record (a plain object); returns the report as plain objects. */
    check(record, options) {
      const [text, opts] = [jsonText(record, "the record", this.#formatOf), optionsText(options)];
      return JSON.parse(intoWasm(() => this.#live.checkText(text, opts)));
    }

    /**
     * Checks one record given as JSON text (a leading byte order mark is skipped, as the
     * command line skips it). Text that is not JSON throws (kind "input").
     */
    checkJson(text, options) {
      if (typeof text !== "string") {
        throw kakuninError("input", "checkJson takes the record as a JSON string");
      }
      const opts = optionsText(options);
      const json = text.startsWith("\ufeff") ? text.slice(1) : text;
      return JSON.parse(intoWasm(() => this.#live.checkText(json, opts)));
    }

    /**
     * Checks records together (the rules across records run too): [{id, report} | {id, error}].
     * A record that cannot be read (a cycle, a BigInt, nested past the reader's limit) is an
     * entry {id: null, error} of its own; the others are still checked, together.
     */
    checkAll(records, options) {
      if (!Array.isArray(records)) {
        throw kakuninError("input", "checkAll takes an array of records");
      }
      const opts = optionsText(options);
      const unreadable = (e) => ({ id: null, error: { kind: e.kind, message: e.message } });
      // Array.from, not map: a hole is a record too (undefined: not an object), as in JSON.
      const entries = Array.from(records, (record) => {
        try {
          return jsonText(record, "the record", this.#formatOf);
        } catch (e) {
          return unreadable(e);
        }
      });
      const together = () => {
        const texts = entries.filter((entry) => typeof entry === "string");
        return JSON.parse(intoWasm(() => this.#live.checkAllText(`[${texts.join(",")}]`, opts)));
      };
      let results;
      try {
        results = together();
      } catch (e) {
        if (e.kind !== "input") throw e;
        // JSON nested past the reader's limit: find the records, each read as in the batch
        // (inside an array), and check the others.
        entries.forEach((text, i) => {
          if (typeof text !== "string") return;
          try {
            intoWasm(() => this.#live.checkText(`[${text}]`, opts));
          } catch (e) {
            if (e.kind !== "input") throw e;
            entries[i] = unreadable(e);
          }
        });
        results = together();
      }
      let next = 0;
      return entries.map((entry) => (typeof entry === "string" ? results[next++] : entry));
    }

    /**
     * The rules: {id, group, severity, tiers, title, title_en, stage, cross_record, checks, applies}.
     * Every rule, or with {as_of, prefecture} the rules in force on that day for a record of that
     * prefecture ("01"–"47"; its own period where a rule has one). Unlike check, `as_of` has no
     * default here: left out, every rule is listed.
     */
    list(options) {
      const opts = options == null ? "" : jsonText(options, "the options", optionFormat);
      return JSON.parse(intoWasm(() => this.#live.listJson(opts)));
    }

    /** Every field of the record schema: {path, title, title_en, format, sensitive, types}. */
    fields() {
      return JSON.parse(this.#live.fieldsJson());
    }

    /** Code lists: list -> code -> {ja, en}. */
    codes() {
      return JSON.parse(this.#live.codesJson());
    }

    /** Frees the WebAssembly memory of this handle (optional; a finalizer does it too). Twice is fine. */
    free() {
      const raw = this.#raw;
      this.#raw = undefined;
      try {
        raw?.free();
      } catch {
        // After a trap the handle stays marked as in use ("while it was borrowed"): its memory
        // is not given back, and there is nothing else to do.
      }
    }
  }

  return {
    RuleSet,
    version: () => {
      ready();
      return raw.kakuninVersion();
    },
  };
}
