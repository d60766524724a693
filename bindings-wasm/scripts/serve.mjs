#!/usr/bin/env node
// A tiny static server for the demo and the benchmark page (node:http, no framework).
//
//   node scripts/serve.mjs [--port 8080] [--host 127.0.0.1]
//   then open http://127.0.0.1:8080/demo/
//
// It serves bindings-wasm/ (the page imports ../js/web.js and ../dist/web/). It sends the
// cross-origin isolation headers, so performance.now() is precise enough for the benchmark.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ts": "text/plain; charset=utf-8",
};

/** Starts the server; resolves to {server, url}. Port 0 picks a free one. */
export function serve({ port = 8080, host = "127.0.0.1", root = ROOT, quiet = true } = {}) {
  const server = createServer(async (req, res) => {
    const send = (status, body, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, {
        "Content-Type": type,
        "Cache-Control": "no-store",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Embedder-Policy": "require-corp",
        "X-Content-Type-Options": "nosniff",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    try {
      if (req.method !== "GET" && req.method !== "HEAD") return send(405, "method not allowed");
      const url = new URL(req.url, "http://localhost");
      let path = decodeURIComponent(url.pathname);
      if (path === "/") {
        res.writeHead(302, { Location: "/demo/" });
        return res.end();
      }
      const file = normalize(join(root, path));
      if (file !== root.replace(/[\\/]$/, "") && !file.startsWith(root.endsWith(sep) ? root : root + sep)) {
        return send(403, "forbidden");
      }
      let target = file;
      const info = await stat(target).catch(() => null);
      if (info?.isDirectory()) target = join(target, "index.html");
      const body = await readFile(target).catch(() => null);
      if (body === null) return send(404, "not found");
      if (!quiet) console.log(`${req.method} ${path}`);
      return send(200, body, TYPES[extname(target)] ?? "application/octet-stream");
    } catch (error) {
      return send(500, String(error));
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolve({ server, url: `http://${host}:${actual}` });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const port = Number(arg("port", process.env.PORT ?? 8080));
  const host = arg("host", "127.0.0.1");
  const { url } = await serve({ port, host, quiet: false });
  console.log(`kakunin demo: ${url}/demo/   benchmark: ${url}/bench/`);
}
