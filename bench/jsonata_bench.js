// Node side of jsonata_bench: evaluates the same workloads with jsonata-js and prints
// {"name": evaluationsPerSecond, ...} as one JSON line.
'use strict';
const fs = require('fs');
const jsonata = require('jsonata');

async function main() {
  const [casesFile, secondsArg] = process.argv.slice(2);
  const cases = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
  const seconds = Number(secondsArg || '0.5');
  const out = {};
  for (const c of cases) {
    const expr = jsonata(c.expr);
    let n = 0;
    // warm up the JIT before timing
    for (let i = 0; i < 20; i++) await expr.evaluate(c.data, c.bindings);
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < seconds) {
      for (let i = 0; i < 10; i++) await expr.evaluate(c.data, c.bindings);
      n += 10;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    }
    out[c.name] = n / elapsed;
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
