// Bundles src/ into dist/: index.html (loads one hashed script and one hashed stylesheet) and
// assets/*-<hash>.js|css (views that need big libraries, the charts and SignalR, are chunks loaded
// when first shown), each also as .gz and .br so the store can send them compressed without
// compressing per request. Serverless.Store.Http.csproj runs this (`npm run build`) and embeds dist/.
import * as esbuild from "esbuild";
import { readFileSync, writeFileSync, rmSync, mkdirSync, readdirSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { join } from "node:path";

const dist = "dist";
rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "assets"), { recursive: true });

const result = await esbuild.build({
  entryPoints: ["src/main.js"],
  bundle: true,
  splitting: true,
  format: "esm",
  minify: true,
  target: ["es2022"],
  outdir: join(dist, "assets"),
  entryNames: "[name]-[hash]",
  chunkNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});

// The entry script and its stylesheet, as esbuild named them.
const outputs = Object.entries(result.metafile.outputs);
const entry = outputs.find(([, o]) => o.entryPoint === "src/main.js");
const script = entry[0].slice(dist.length + 1);
const style = entry[1].cssBundle?.slice(dist.length + 1);

const html = readFileSync("src/index.html", "utf8")
  .replace("<!--style-->", style ? `<link rel="stylesheet" href="console/${style}">` : "")
  .replace("<!--script-->", `<script type="module" src="console/${script}"></script>`);
writeFileSync(join(dist, "index.html"), html);

// Precompressed twins of every text file (the store picks one by Accept-Encoding).
let raw = 0, brotli = 0;
for (const file of [join(dist, "index.html"), ...readdirSync(join(dist, "assets")).map(f => join(dist, "assets", f))]) {
  if (!/\.(html|js|css)$/.test(file)) continue;
  const bytes = readFileSync(file);
  const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(file + ".gz", gzipSync(bytes, { level: 9 }));
  writeFileSync(file + ".br", br);
  raw += bytes.length;
  brotli += br.length;
}
console.log(`console: ${outputs.length} assets, ${(raw / 1024).toFixed(0)} KiB (${(brotli / 1024).toFixed(0)} KiB brotli) in ${dist}/`);
