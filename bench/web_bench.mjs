// The browser build's performance targets, in headless Chromium with SwiftShader (no GPU):
//   - the first frame appears at most 3 s after the page starts loading;
//   - the checkout lesson plays at 30 frames per second or better at 1280x800 (median frame);
//   - check mode on the checkout stretched to 10 minutes at 100 orders/s takes at most 3x the
//     native `brokersim run` (the page's fixed start-up cost, measured on a tiny scenario, is
//     taken off first).
//   - app.wasm is at most 6 MB.
// usage: node bench/web_bench.mjs SITE_DIR BROKERSIM SCENARIOS_DIR TOOLS_DIR   (make web-bench;
//        TOOLS_DIR holds puppeteer-core, from scripts/install-web-tools.sh)
import {execFileSync} from 'node:child_process';
import {createRequire} from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';

const [site, brokersim, scenarios, tools] = process.argv.slice(2);
const require = createRequire(path.resolve(tools, 'package.json'));
const puppeteer = require('puppeteer-core');

const types = {'.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css'};
const server = http.createServer((req, res) => {
  const file = path.join(site, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  fs.readFile(file, (err, data) => {
    if (err) return res.writeHead(404).end();
    res.writeHead(200, {'Content-Type': types[path.extname(file)] || 'application/octet-stream'}).end(data);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}/index.html`;

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const link = (yaml) => '#s=v1.' + zlib.deflateRawSync(yaml).toString('base64url') + '&t=0';

// The checkout lesson, stretched: 10 minutes, 100 orders/s, no outage, and each service with as
// many workers as its prefetch (bench_scenario_speed's load).
const checkout = fs.readFileSync(path.join(scenarios, 'ecommerce_checkout.yaml'), 'utf8');
const long = checkout.replace(/^duration: 3m$/m, 'duration: 10m').replace('rate: 5/s', 'rate: 100/s')
  .replace('stop: 150s', 'stop: 600s').replace(/^timeline:\n(  - .*\n)+/m, '')
  .replace(/^( +)prefetch: (\d+)$/gm, '$1prefetch: $2\n$1concurrency: $2');  // as bench_scenario_speed: pools
const longFile = '/tmp/brokersim-checkout-10min.yaml';
fs.writeFileSync(longFile, long);
const tiny = 'name: tiny\nduration: 1s\nbroker:\n  queues: [{name: q}]\n';

const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--window-size=1280,800'],
  defaultViewport: {width: 1280, height: 800},
});

async function result(url, timeout = 120000) {
  const page = await browser.newPage();
  const started = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('result').textContent !== '', {timeout, polling: 20});
  const took = Date.now() - started;
  const text = await page.$eval('#result', (e) => e.textContent);
  const firstFrame = await page.evaluate(() => document.body.dataset.firstFrameMs);
  await page.close();
  return {took, text, firstFrame: Number(firstFrame)};
}

console.log(`app.wasm: ${(fs.statSync(path.join(site, 'app.wasm')).size / 1e6).toFixed(2)} MB (target at most 6 MB)`);

const frames = await result(`${base}?scenario=ecommerce_checkout&bench=300`);
const frameMs = Number(/median frame ([\d.]+) ms/.exec(frames.text)[1]);
console.log(`first frame: ${frames.firstFrame} ms after the page started loading (target at most 3000 ms)`);
console.log(`${frames.text}: ${(1000 / frameMs).toFixed(1)} frames per second (target at least 30)`);

// Interleaved, three rounds: native, the page on the long scenario, the page on a tiny one.
const native = [], page = [], startup = [];
let fingerprints = new Set();
for (let round = 0; round < 3; ++round) {
  let t = Date.now();
  const out = execFileSync(brokersim, ['run', longFile, '--quiet'], {encoding: 'utf8'});
  native.push(Date.now() - t);
  fingerprints.add(/fingerprint: (\w+)/.exec(out)[1]);
  const web = await result(`${base}?check=1${link(long)}`);
  page.push(web.took);
  fingerprints.add(/fingerprint: (\w+)/.exec(web.text)[1]);
  startup.push((await result(`${base}?check=1${link(tiny)}`)).took);
}
const webRun = median(page) - median(startup);
console.log(`check mode, checkout 10 min at 100 orders/s: native median ${median(native)} ms; page median ` +
            `${median(page)} ms, of which ${median(startup)} ms is the page starting; ratio ` +
            `${(webRun / median(native)).toFixed(2)}x (target at most 3x)`);
console.log(`fingerprints: ${[...fingerprints].join(', ')} (${fingerprints.size === 1 ? 'the same' : 'DIFFERENT'})`);
await browser.close();
server.close();
