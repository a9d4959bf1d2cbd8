// Browser test of the supplyguard dashboard in real headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core; no browser is downloaded).
//
//   node dashboard.test.mjs --fixture build/tests/fleet/web/serve_fixture --out build/tests/fleet/web
//   node dashboard.test.mjs --supplyguard build/tools/supplyguard/supplyguard --db sqlite:x.db \
//        [--truth truth.json] --out DIR
//
// --fixture serves the hand-built fleet (tests/fleet/web/fixture_view.cpp) and also checks its
// hostile strings; --supplyguard runs `supplyguard serve` over a store (with --truth, the
// generator's truth.json: implanted hosts must show compromised, model B clean). Either way the page is
// compared with the JSON API of the same server: every host listed with its verdict, a host page
// with its findings. Screenshots go to --out. Exit 0 on success, 1 on any failed check.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';

const HOSTILE_HOST = '<img src=x onerror=alert(1)>';
const HOSTILE_SUMMARY = '</style></table><script>alert(3)</script>';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function parseArgs(argv) {
  const args = { out: '.' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!['fixture', 'supplyguard', 'db', 'truth', 'out'].includes(key) || i + 1 >= argv.length) {
      throw new Error(`usage: dashboard.test.mjs (--fixture BIN | --supplyguard BIN --db URL [--truth FILE]) [--out DIR]; bad "${argv[i]}"`);
    }
    args[key] = argv[i + 1];
  }
  if (!args.fixture === !args.supplyguard) throw new Error('give exactly one of --fixture or --supplyguard');
  if (args.supplyguard && !args.db) throw new Error('--supplyguard needs --db URL');
  return args;
}

function fail(message) {
  console.error(`dashboard.test: ${message}`);
  process.exit(1);
}

// Starts the server on a free loopback port; resolves with its base URL once it listens.
function startServer(args, token) {
  const cmd = args.fixture
    ? [args.fixture, ['0', token, '--exit-on-eof']]
    : [args.supplyguard, ['serve', '--db', args.db, '--listen', '127.0.0.1:0']];
  const child = spawn(cmd[0], cmd[1], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, SUPPLYGUARD_TOKEN: token },
  });
  const log = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log.join('\n')}`)), 15000);
    const onLine = (line) => {
      log.push(line);
      const m = /listening (?:on )?(http:\/\/127\.0\.0\.1:\d+)\//.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[1], log });
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${log.join('\n')}`));
    });
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} not found: install Debian's chromium (make deps)`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    fail('playwright-core is not installed: run `npm ci` in tests/fleet/browser (make deps does)');
  }
  mkdirSync(args.out, { recursive: true });

  const token = randomBytes(16).toString('hex');
  const server = await startServer(args, token);
  const { base } = server;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's sandbox needs user namespaces that a root CI container does not grant.
    args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
  });
  const problems = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    // Any dialog means script from a finding ran; any page error or CSP report means the
    // page does something its own policy forbids.
    page.on('dialog', async (d) => {
      problems.push(`dialog fired: ${d.type()} "${d.message()}"`);
      await d.dismiss();
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });

    // First load with ?token=: the server sets the session cookie and drops the token from the URL.
    const first = await page.goto(`${base}/?token=${token}`);
    assert.equal(first.status(), 200, 'dashboard status');
    assert.equal(page.url(), `${base}/`, 'token removed from the address bar');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'sg_session');
    assert.ok(session, 'session cookie set');
    assert.equal(session.httpOnly, true, 'cookie is HttpOnly');
    assert.equal(session.sameSite, 'Strict', 'cookie is SameSite=Strict');
    assert.ok(!session.value.includes(token), 'cookie is not the token');
    assert.equal(await page.evaluate(() => document.cookie), '', 'script cannot read the cookie');

    // The host list must show exactly what the API says.
    const api = await (await page.request.get(`${base}/api/hosts`)).json();
    const rows = await page.$$eval('#hosts tbody tr', (trs) =>
      trs.map((tr) => ({ host: tr.cells[0].textContent, verdict: tr.cells[3].textContent })));
    assert.equal(rows.length, api.count, 'one row per host');
    assert.ok(rows.length > 0, 'host list is not empty');
    rows.forEach((row, i) => {
      assert.equal(row.host, api.hosts[i].host, `row ${i} host`);
      assert.equal(row.verdict, api.hosts[i].verdict ?? 'no verdict', `row ${i} verdict of ${row.host}`);
    });
    const counted = await page.$eval('#count-compromised b', (b) => Number(b.textContent));
    assert.equal(counted, api.hosts.filter((h) => h.verdict === 'compromised').length, 'compromised count');

    // The filter box (the page's only script) narrows the table.
    const firstHost = api.hosts[0].host;
    await page.fill('#host-filter', firstHost);
    const visible = await page.$$eval('#hosts tbody tr', (trs) => trs.filter((t) => t.offsetParent !== null).length);
    const expected = api.hosts.filter((h) =>
      [h.host, h.model, h.batch, h.verdict ?? 'no verdict', h.worst ?? '', String(h.findings), h.why]
        .join('').toLowerCase().includes(firstHost.toLowerCase())).length;
    assert.ok(visible >= 1 && visible <= expected, `filter "${firstHost}" shows ${visible} rows (<= ${expected})`);
    assert.match(await page.textContent('#host-filter-status'), new RegExp(`^${visible} of ${rows.length} shown$`));
    await page.fill('#host-filter', '');
    await page.screenshot({ path: join(args.out, 'dashboard.png'), fullPage: true });

    if (args.fixture) {
      // Fixture fleet: the implant model's batch is compromised, the rest clean or suspect.
      const verdictOf = Object.fromEntries(rows.map((r) => [r.host, r.verdict]));
      for (let i = 1; i <= 6; i++) assert.equal(verdictOf[`smx-b17-0${i}`], 'compromised');
      for (const h of ['smx-b17-07', 'smx-b18-01', 'r740-01']) assert.equal(verdictOf[h], 'clean', h);
      assert.equal(verdictOf['r740-03'], 'suspect');
      await page.fill('#host-filter', 'compromised');
      assert.match(await page.textContent('#host-filter-status'), /^6 of 20 shown$/);
      await page.fill('#host-filter', '');
      // Hostile strings are text: the host name is shown verbatim, no <img> or extra <script> exists.
      assert.ok(rows.some((r) => r.host === HOSTILE_HOST), 'hostile host name shown as text');
      assert.equal(await page.$$eval('img', (l) => l.length), 0, 'no injected <img>');
      assert.equal(await page.$$eval('script', (l) => l.length), 1, 'only the dashboard script');
      const corr = await page.textContent('#correlations');
      assert.ok(corr.includes(HOSTILE_SUMMARY), 'hostile correlation summary shown as text');
    }

    if (args.truth) {
      // Generated fleet: what the generator planted is what the page shows.
      const truth = JSON.parse(readFileSync(args.truth, 'utf8'));
      const verdictOf = Object.fromEntries(rows.map((r) => [r.host, r.verdict]));
      assert.ok(truth.implanted.length >= 3, 'truth names implanted hosts');
      for (const h of truth.implanted) assert.equal(verdictOf[h], 'compromised', `implanted ${h}`);
      for (const h of truth.hosts.filter((x) => x.model === 'B')) assert.equal(verdictOf[h.host], 'clean', `model B ${h.host}`);
      const corr = await page.textContent('#correlations');
      assert.ok(corr.includes('shared_destination'), 'shared_destination correlation listed');
    }

    // A host page, reached by clicking its link: findings as the API lists them.
    const target = api.hosts.find((h) => h.findings > 0) ?? api.hosts[0];
    await Promise.all([
      page.waitForURL((u) => u.pathname.startsWith('/host/')),
      page.click(`#hosts tbody tr:nth-child(${api.hosts.indexOf(target) + 1}) td:first-child a`),
    ]);
    assert.equal(await page.textContent('#host-name'), target.host, 'host page heading');
    const detail = await (await page.request.get(`${base}/api/hosts/${encodeURIComponent(target.host)}`)).json();
    const findingRows = await page.$$eval('#findings tbody tr', (trs) =>
      trs.map((tr) => ({ type: tr.cells[1].textContent, id: tr.cells[8].textContent })));
    assert.deepEqual(findingRows.map((r) => r.id), detail.finding_list.map((f) => f.id), 'findings on the host page');
    assert.ok((await page.textContent('#host-verdict')).includes(target.verdict ?? 'no verdict'));
    await page.screenshot({ path: join(args.out, 'host.png'), fullPage: true });

    if (args.fixture) {
      assert.deepEqual(findingRows.map((r) => r.type).sort(), ['beacon', 'component_added']);
      // The hostile host's page, via its (percent-encoded) link.
      await page.goto(`${base}/`);
      const link = page.locator('#hosts tbody tr td:first-child a', { hasText: HOSTILE_HOST });
      await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/host/%3Cimg')), link.click()]);
      assert.equal(await page.textContent('#host-name'), HOSTILE_HOST);
      const summaries = await page.$$eval('#findings tbody tr', (trs) => trs.map((tr) => tr.cells[5].textContent));
      assert.ok(summaries.includes(HOSTILE_SUMMARY), 'hostile summary shown as text');
      assert.equal(await page.$$eval('img', (l) => l.length), 0, 'no injected <img> on the host page');
      assert.equal(await page.$$eval('script', (l) => l.length), 1, 'only the dashboard script on the host page');
      await page.screenshot({ path: join(args.out, 'host-hostile.png'), fullPage: true });
    }

    // Without the cookie or token nothing is served.
    const stranger = await browser.newContext();
    const denied = await (await stranger.newPage()).goto(`${base}/`);
    assert.equal(denied.status(), 401, 'no token, no dashboard');
    await stranger.close();

    // Let late events (dialogs from deferred script, console reports) arrive before judging.
    await page.waitForTimeout(200);
    assert.deepEqual(problems, [], 'no dialogs, page errors or console errors');
  } finally {
    await browser.close();
    server.child.stdin.end();
    server.child.kill('SIGTERM');
  }
  console.log(`dashboard.test: ok (${base}; screenshots in ${args.out})`);
}

main().catch((e) => fail(e.stack || String(e)));
