// kakunin for Node: an ES module over the `wasm-bindgen --target nodejs` build (CommonJS, which
// loads the .wasm synchronously, so no `init()` is needed; it exists for symmetry).
import { createRequire } from "node:module";
import { makeApi, todayInJapan } from "./api.js";

const require = createRequire(import.meta.url);
const raw = require("../dist/node/kakunin_wasm.js");
// The authoring module (RuleSet.fromFiles: packs as written, with the TOML reader), loaded on
// first use.
let authoringRaw;
const authoring = () => (authoringRaw ??= require("../dist/node/authoring/kakunin_wasm.js"));

/** Nothing to do in Node: the module is ready when imported. */
export async function init() {}

/** Nothing to do in Node: the authoring module loads when `RuleSet.fromFiles` is first called. */
export async function initAuthoring() {}

export const { RuleSet, version } = makeApi(raw, () => {}, authoring);
export { todayInJapan };
