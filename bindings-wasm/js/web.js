// kakunin for browsers: an ES module over the `wasm-bindgen --target web` build.
//
//   import { init, RuleSet } from "./js/web.js";
//   await init();                       // fetches dist/web/kakunin_wasm_bg.wasm beside the glue
//   const rules = RuleSet.bundled("hersys");
import initWasm, * as raw from "../dist/web/kakunin_wasm.js";
import { makeApi, kakuninError, todayInJapan } from "./api.js";

let initialised = false;

/**
 * Loads the WebAssembly module once. `input`: a URL, Response, BufferSource or
 * WebAssembly.Module (default: the .wasm beside the generated glue).
 */
export async function init(input) {
  if (!initialised) {
    await initWasm(input === undefined ? undefined : { module_or_path: input });
    initialised = true;
  }
}

let authoringRaw;

/**
 * Loads the authoring module once: what `RuleSet.fromFiles` (a pack as written, TOML) runs in.
 * A form that uses the bundled packs never needs it. `input` as for `init` (default: the .wasm
 * in `authoring/` beside the glue).
 */
export async function initAuthoring(input) {
  if (authoringRaw === undefined) {
    const module = await import("../dist/web/authoring/kakunin_wasm.js");
    await module.default(input === undefined ? undefined : { module_or_path: input });
    authoringRaw = module;
  }
}

const api = makeApi(
  raw,
  () => {
    if (!initialised) throw kakuninError("not-initialised", "call `await init()` before using kakunin");
  },
  () => {
    if (authoringRaw === undefined) {
      throw kakuninError("not-initialised", "call `await initAuthoring()` before RuleSet.fromFiles");
    }
    return authoringRaw;
  },
);

export const { RuleSet, version } = api;
export { todayInJapan };
