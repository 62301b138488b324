// Writes a synthetic minified build for scripts/bench.sh: FILES pairs of `chunk-<n>.js` (one
// line of FUNCS small functions, like a minifier's output) and `chunk-<n>.js.map` (a valid
// v3 map with sourcesContent: every function maps to its line in the "original" source).
// Usage: node gen-sourcemap-build.js <dir> [files=60] [funcs=3500]
"use strict";
const fs = require("fs");
const path = require("path");
const [dir, files = 60, funcs = 3500] = process.argv.slice(2);
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
function vlq(n) {
  let v = n < 0 ? (-n << 1) | 1 : n << 1, out = "";
  do {
    let d = v & 31;
    v >>>= 5;
    if (v > 0) d |= 32;
    out += B64[d];
  } while (v > 0);
  return out;
}
fs.mkdirSync(dir, { recursive: true });
for (let f = 0; f < Number(files); f++) {
  let js = "", src = "", segs = [], col = 0, prevCol = 0, prevLine = 0, line = 0;
  for (let i = 0; i < Number(funcs); i++) {
    const k = f * 100000 + i;
    const fn = `function f${k}(a,b){if(b===0)throw new Error("e${k}");return a/b+${i}}`;
    src += `export function compute${k}(total, count) {\n  if (count === 0) {\n    throw new Error("e${k}");\n  }\n  return total / count + ${i};\n}\n\n`;
    // The function, and its throw two lines further down the original.
    for (const [off, dl] of [[0, 0], [fn.indexOf("throw"), 2]]) {
      const l = line + dl, c = col + off;
      segs.push(vlq(c - prevCol) + "A" + vlq(l - prevLine) + "A");
      prevCol = c;
      prevLine = l;
    }
    js += fn;
    col += fn.length;
    line += 7;
  }
  const name = `chunk-${f}.js`;
  fs.writeFileSync(path.join(dir, name), js + `\n//# sourceMappingURL=${name}.map\n`);
  fs.writeFileSync(
    path.join(dir, name + ".map"),
    JSON.stringify({ version: 3, file: name, sources: [`../src/chunk-${f}.js`], sourcesContent: [src], names: [], mappings: segs.join(",") })
  );
}
