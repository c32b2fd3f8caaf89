// Opens a storyboard page in Debian's chromium (headless, driven through the DevTools protocol
// by playwright-core) and prints what a reviewer would see, as JSON on stdout:
//   node storyboard.mjs ROOT PAGE
// serves the folder ROOT on a localhost port (with byte ranges, as video needs), opens
// ROOT/PAGE, and reports console errors, requests that left localhost, the thumbnails, whether
// the browser can play H.264/AAC, and for every card: the time it seeks the player to.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { chromium } from 'playwright-core';

const [root, pagePath] = process.argv.slice(2);
if (!root || !pagePath) {
  console.error('usage: node storyboard.mjs ROOT PAGE');
  process.exit(2);
}
const types = { '.html': 'text/html; charset=utf-8', '.mp4': 'video/mp4', '.png': 'image/png', '.json': 'application/json', '.mkv': 'video/x-matroska', '.mov': 'video/quicktime' };

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const file = path.join(root, decodeURIComponent(url.pathname));
  if (!file.startsWith(path.resolve(root)) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404); res.end(); return;
  }
  const size = fs.statSync(file).size;
  const type = types[path.extname(file)] || 'application/octet-stream';
  const range = /bytes=(\d*)-(\d*)/.exec(req.headers.range || '');
  if (range) {
    const start = range[1] ? Number(range[1]) : 0;
    const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    res.writeHead(206, { 'Content-Type': type, 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Accept-Ranges': 'bytes' });
    fs.createReadStream(file, { start, end }).pipe(res);
  } else {
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': size, 'Accept-Ranges': 'bytes' });
    fs.createReadStream(file).pipe(res);
  }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const port = server.address().port;

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'roughcut-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
});
const result = { errors: [], offsite: [] };
try {
  const page = browser.pages()[0] || await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') result.errors.push(m.text()); });
  page.on('pageerror', (e) => result.errors.push(String(e)));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(`http://127.0.0.1:${port}/`) && !u.startsWith('data:')) result.offsite.push(u);
  });
  page.on('requestfailed', (r) => result.errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  await page.goto(`http://127.0.0.1:${port}/${pagePath}`, { waitUntil: 'load' });
  Object.assign(result, await page.evaluate(() => {
    const v = document.getElementById('player');
    const probe = document.createElement('video');
    return {
      title: document.title,
      cards: document.querySelectorAll('.card').length,
      thumbnails: Array.from(document.querySelectorAll('.card img')).filter((i) => i.complete && i.naturalWidth > 0).length,
      bar: document.querySelectorAll('.bar .seg').length,
      barThumbnails: Array.from(document.querySelectorAll('.bar .seg')).filter((s) => s.style.backgroundImage.startsWith('url(')).length,
      markers: document.querySelectorAll('.bar .mark').length,
      chapters: document.querySelectorAll('button.chapter').length,
      canPlay: probe.canPlayType('video/mp4; codecs="avc1.640028, mp4a.40.2"'),
      player: !!v,
    };
  }));
  if (result.player) {
    result.ready = await page.evaluate(() => new Promise((ok) => {
      const v = document.getElementById('player');
      if (v.readyState >= 1) { ok(true); return; }
      v.addEventListener('loadedmetadata', () => ok(true));
      v.addEventListener('error', () => ok(false));
      setTimeout(() => ok(v.readyState >= 1), 10000);
    }));
    result.duration = await page.evaluate(() => document.getElementById('player').duration);
    // Play a moment: the browser decodes the render.
    result.played = await page.evaluate(() => new Promise((ok) => {
      const v = document.getElementById('player');
      v.muted = true;
      v.play().then(() => setTimeout(() => { v.pause(); ok(v.currentTime); }, 400)).catch((e) => ok(String(e)));
    }));
    result.seeks = [];
    const cards = await page.$$('.card');
    for (const card of cards) {
      const event = Number(await card.getAttribute('data-event'));
      const expected = Number(await card.getAttribute('data-seek'));
      const seeked = page.evaluate(() => new Promise((ok) => {
        const v = document.getElementById('player');
        v.addEventListener('seeked', () => ok(true), { once: true });
        setTimeout(() => ok(false), 5000);
      }));
      await card.click();
      const done = await seeked;
      const currentTime = await page.evaluate(() => document.getElementById('player').currentTime);
      const current = await page.evaluate(() => document.querySelector('.card.current')?.dataset.event);
      result.seeks.push({ event, expected, currentTime, seeked: done, highlighted: Number(current) });
    }
  }
} finally {
  await browser.close();
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
