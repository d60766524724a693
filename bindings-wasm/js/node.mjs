// kakunin for Node: an ES module over the `wasm-bindgen --target nodejs` build (CommonJS, which
// loads the .wasm synchronously, so no `init()` is needed; it exists for symmetry).
import { createRequire } from "node:module";
import { makeApi, todayInJapan } from "./api.js";

const raw = createRequire(import.meta.url)("../dist/node/kakunin_wasm.js");

/** Nothing to do in Node: the module is ready when imported. */
export async function init() {}

export const { RuleSet, version } = makeApi(raw);
export { todayInJapan };
