// The chat page in a real browser: Debian's chromium, headless, driven by
// playwright-core. Two pages and one natter line client (a plain TCP
// socket, as nc) in one room. Records PASS/FAIL/SKIP results for
// tests/run-suites in the file named by NATTER_RESULTS (tests/lib.sh), and
// prints them. Run by tests/suites/61-web-browser, which installs
// what it needs; `node tests/web_browser.mjs NATTERD PLAYWRIGHT_DIR`.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

const [natterd, pwDir] = process.argv.slice(2);
const require = createRequire(path.resolve(pwDir) + "/");
const { chromium } = require("playwright-core");
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const SEEN = 1000;          // what others type shows within a second
const LONG = 20000;
let failed = 0;
const RESULTS = process.env.NATTER_RESULTS;
delete process.env.NATTER_RESULTS;     // no child process writes to it

function result(ok, name, why) {
  const line = (ok === "skip" ? `SKIP web-browser/${name}: ${why}` :
                ok ? `PASS web-browser/${name}` : `FAIL web-browser/${name}: ${why}`).replace(/[\r\n]+/g, " ");
  console.log(line);
  if (RESULTS) fs.appendFileSync(RESULTS, line + "\n");
  if (ok === false) failed++;
}

// natterd on loopback; ports 0 the first time, the same ones on a restart.
function startServer(port = 0, web = 0) {
  return new Promise((resolve, reject) => {
    const p = spawn(natterd, ["-q", "-b", "127.0.0.1", "-p", String(port), "--web", String(web)],
                    { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    const timer = setTimeout(() => reject(new Error("no ready line: " + err)), 10000);
    p.stderr.on("data", d => {
      err += d;
      const m = /ready: listening on [0-9.]+:(\d+); web [0-9.]+:(\d+)/.exec(err);
      if (m) { clearTimeout(timer); resolve({ proc: p, port: +m[1], web: +m[2] }); }
    });
    p.on("exit", code => reject(new Error("natterd exited " + code + ": " + err)));
  });
}
function stopServer(s) {
  return new Promise(resolve => { s.proc.once("exit", resolve); s.proc.kill("SIGTERM"); });
}

// A natter line client, as nc would be.
class LineClient {
  constructor(port) {
    this.lines = []; this.waiters = []; this.buf = "";
    this.sock = net.connect(port, "127.0.0.1");
    this.sock.setEncoding("utf8");
    this.sock.on("data", d => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf("\n")) >= 0) {
        this.lines.push(this.buf.slice(0, i)); this.buf = this.buf.slice(i + 1);
      }
      this.waiters = this.waiters.filter(w => !w());
    });
  }
  say(l) { this.sock.write(l + "\n"); }
  // Waits for a line matching re (from the first unconsumed one on).
  expect(re, ms = SEEN) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.lines.findIndex(l => re.test(l));
        if (i < 0) return false;
        const l = this.lines[i]; this.lines.splice(0, i + 1); resolve(l); return true;
      };
      if (check()) return;
      const t = setTimeout(() => reject(new Error(`nc: no line like ${re} within ${ms} ms; got ${JSON.stringify(this.lines.slice(-5))}`)), ms);
      this.waiters.push(() => { if (check()) { clearTimeout(t); return true; } return false; });
    });
  }
  close() { this.sock.destroy(); }
}

async function logHas(page, text, ms = SEEN) {
  await page.waitForFunction(t => [...document.querySelectorAll("#log li")].some(li => li.textContent.includes(t)),
                             text, { timeout: ms, polling: 20 });
}
async function type(page, sel, text) {
  await page.fill(sel, text);
  await page.press(sel, "Enter");
}
async function step(name, fn) {
  try { await fn(); result(true, name); } catch (e) { result(false, name, String(e.message || e).split("\n")[0].slice(0, 400)); }
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  // A new, empty user data dir: playwright makes one for each launch (it
  // refuses --user-data-dir here), and removes it at close.
});
let server = await startServer();
const url = `http://127.0.0.1:${server.web}/`;
const ctxA = await browser.newContext(), ctxB = await browser.newContext();
const A = await ctxA.newPage(), B = await ctxB.newPage();
const alerts = [];
for (const p of [A, B]) {
  p.on("dialog", d => { alerts.push(d.message()); d.dismiss(); });
  p.on("pageerror", e => console.log("# page error: " + e.message));
}
let nc;

await step("load", async () => {
  await A.goto(url); await B.goto(url);
  for (const p of [A, B])
    await p.waitForFunction(() => /^guest\d+$/.test(document.getElementById("nick").value), null, { timeout: 5000 });
  nc = new LineClient(server.port);
  await nc.expect(/^= welcome: /, 5000);
});

await step("nick", async () => {
  await type(A, "#nick", "alice");
  await nc.expect(/^-- guest\d+ is now known as alice$/);
  await type(B, "#nick", "bob");
  await nc.expect(/^-- guest\d+ is now known as bob$/);
  await A.waitForFunction(() => document.getElementById("nick").value === "alice", null, { timeout: SEEN });
  await A.waitForFunction(() => document.getElementById("who").textContent.includes("bob"), null, { timeout: SEEN });
});

await step("messages-within-a-second", async () => {
  await type(A, "#text", "hello from alice");
  await Promise.all([logHas(B, "hello from alice"), nc.expect(/^<alice> hello from alice$/)]);
  await type(B, "#text", "hello from bob");
  await Promise.all([logHas(A, "hello from bob"), nc.expect(/^<bob> hello from bob$/)]);
  nc.say("hello from nc");
  await Promise.all([logHas(A, "hello from nc"), logHas(B, "hello from nc")]);
});

await step("me", async () => {
  await type(B, "#text", "/me waves");
  await Promise.all([logHas(A, "* bob waves"), nc.expect(/^\* bob waves$/)]);
});

await step("private-message", async () => {
  // Clicking a nick starts a private message to it.
  await A.click("#who button.nick:text-is('bob')");
  const v = await A.inputValue("#text");
  if (v !== "/msg bob ") throw new Error("clicking bob gave " + JSON.stringify(v));
  await A.type("#text", "psst");
  await A.press("#text", "Enter");
  await logHas(B, "(private) alice psst");
  nc.say("/who");
  await nc.expect(/^= who: lobby: /);
  if (nc.lines.concat([nc.buf]).some(l => l.includes("psst"))) throw new Error("nc saw the private message");
});

await step("text-not-html", async () => {
  nc.say("<script>alert('x')</script> and <b>bold</b> <img src=x onerror=alert(2)>");
  await logHas(A, "<script>alert('x')</script> and <b>bold</b>");
  const n = await A.evaluate(() => document.querySelectorAll("#log b, #log script, #log img").length);
  if (n) throw new Error(n + " elements made from a message");
  await new Promise(r => setTimeout(r, 200));
  if (alerts.length) throw new Error("a script ran: " + alerts.join(", "));
});

// History on arrival needs /history (PROTOCOL.md 1.1) in this natterd.
nc.say("/history 1");
const hist = await nc.expect(/^(= history: [a-z]|! unknown-command)/, 5000).catch(e => "! " + e.message);
nc.lines.length = 0;
if (hist.startsWith("!")) {
  result("skip", "history-on-arrival", "this natterd has no /history (" + hist.slice(0, 60) + ")");
} else {
  await step("history-on-arrival", async () => {
    const C = await (await browser.newContext()).newPage();
    await C.goto(url);
    await logHas(C, "hello from nc", 3000);
    await C.close();
  });
}

await step("switch-rooms", async () => {
  await type(A, "#text", "/join side");
  await nc.expect(/^-- alice left lobby$/);
  await A.waitForFunction(() => document.getElementById("room").textContent === "#side", null, { timeout: SEEN });
  await B.waitForFunction(() => document.getElementById("rooms").textContent.includes("#side"), null, { timeout: 3000 });
  await B.click("#rooms button:has-text('#side')");
  await A.waitForFunction(() => document.getElementById("who").textContent.includes("bob"), null, { timeout: SEEN });
  await type(A, "#text", "in the side room");
  await logHas(B, "in the side room");
  nc.say("/join side");
  await nc.expect(/^= join: you are in side \(3 users\)$/);
  await type(B, "#text", "/join lobby");
  await nc.expect(/^-- bob left side$/);
});

await step("reconnect-after-restart", async () => {
  const { port, web } = server;
  await stopServer(server);
  await A.waitForFunction(() => /reconnecting/.test(document.getElementById("state").textContent), null, { timeout: 5000 });
  await logHas(A, "disconnected from the server", 1000);
  server = await startServer(port, web);
  // Back in, under the nick and in the room it had (both remembered).
  await A.waitForFunction(() => document.getElementById("state").textContent === "connected" &&
                                document.getElementById("nick").value === "alice" &&
                                document.getElementById("room").textContent === "#side",
                          null, { timeout: LONG });
  nc = new LineClient(server.port);
  await nc.expect(/^= welcome: /, 5000);
  nc.say("/join side");
  await nc.expect(/^= join: you are in side/);
  await type(A, "#text", "back again");
  await nc.expect(/^<alice> back again$/);
});

await step("phone-screenshot", async () => {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2,
                                          isMobile: true, hasTouch: true, colorScheme: "light" });
  const P = await ctx.newPage();
  await P.goto(url);
  await P.waitForFunction(() => document.getElementById("state").textContent === "connected", null, { timeout: 5000 });
  await type(P, "#nick", "carol");
  await P.waitForFunction(() => document.getElementById("nick").value === "carol", null, { timeout: SEEN });
  nc.say("/join lobby");
  await nc.expect(/^= join: /);
  nc.say("Hi carol, this is the natter page on a phone");
  await type(P, "#text", "/me looks at a 360 px screen");
  await type(P, "#text", "Text only: <b>not bold</b>");
  await logHas(P, "on a phone");
  const wide = await P.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 360) throw new Error("the page is " + wide + " px wide on a 360 px screen");
  fs.mkdirSync(path.join(ROOT, "build"), { recursive: true });
  await P.screenshot({ path: path.join(ROOT, "build", "web-phone.png") });
  await ctx.close();
});

await step("keyboard-and-aria", async () => {
  const live = await A.getAttribute("#log", "aria-live");
  if (live !== "polite") throw new Error("the log is not aria-live");
  nc.say("/join side");
  await nc.expect(/^= join: you are in side/);
  // Tab reaches the message field; Enter sends.
  await A.focus("#nick");
  await A.keyboard.press("Tab");
  const id = await A.evaluate(() => document.activeElement.id);
  if (id !== "text") throw new Error("Tab from the nick went to " + id);
  await A.keyboard.type("typed with keys");
  await A.keyboard.press("Enter");
  await nc.expect(/^<alice> typed with keys$/);
});

nc && nc.close();
await browser.close();
await stopServer(server);
process.exit(failed ? 1 : 0);
