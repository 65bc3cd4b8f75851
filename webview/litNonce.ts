// Must run before any Lit component loads: Lit stamps this nonce on the <style> elements it
// creates where constructed stylesheets are unavailable, so the strict CSP still admits them.
const nonce = document.getElementById('app')?.dataset.nonce;
if (nonce) (globalThis as { litNonce?: string }).litNonce = nonce;
export {};
