// Runs the JavaScript side of the differential test (tests/tests/differential.rs).
//
// Usage: node driver.mjs <cases.json> <capture server URL>
//
// cases.json is {"vars": {...}, "cases": [{"id": 0, "js": "c.getUser(V.user)"}, ...]}. Each case's
// expression is evaluated with
//   c  a Client4 pointed at the capture server, token `tok`
//   V  the shared input values (the same ones the Rust side uses)
//   P  encodeURIComponent: Client4 interpolates path values without escaping them
//      (client4.js getUserRoute and friends), so callers escape them, as the webapp's ids never
//      need it; the Rust client escapes path values itself
//   F  F(content, fileName, type): a File for multipart uploads
// Every request of a case carries the header X-Diff-Case: <id>. The capture server's replies are
// placeholders, so the client's errors (decoding, status) are expected and ignored.

import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const {Client4} = require('@mattermost/client');

/** How long one call may take before the driver moves on. */
const CALL_TIMEOUT_MS = 5000;

const [casesPath, url] = process.argv.slice(2);
const {vars, cases} = JSON.parse(readFileSync(casesPath, 'utf8'));

const c = new Client4();
c.setUrl(url);
c.setToken('tok');
const P = encodeURIComponent;
const F = (content, fileName, type) => new File([content], fileName, {type});

/** Resolves when `promise` settles or after CALL_TIMEOUT_MS, whichever comes first. */
function settle(promise) {
    let timer;
    const timeout = new Promise((resolve) => {
        timer = setTimeout(resolve, CALL_TIMEOUT_MS);
    });
    return Promise.race([Promise.resolve(promise).catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

let failed = 0;
for (const {id, js} of cases) {
    c.setHeader('X-Diff-Case', String(id));
    try {
        // eslint-disable-next-line no-new-func
        const call = new Function('c', 'V', 'P', 'F', `return (${js});`);
        await settle(call(c, vars, P, F));
    } catch (err) {
        // A synchronous throw before any request: the comparison reports the missing request.
        failed += 1;
        console.error(`case ${id} (${js}) threw: ${err}`);
    }
}
console.error(`driver: ${cases.length} cases run, ${failed} threw before sending`);
