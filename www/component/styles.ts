/** The player's styles (one constructable stylesheet per document, adopted by each shadow root). */
export const PLAYER_CSS = `
:host { display: block; container-type: inline-size; color-scheme: light; --callseal-bg: #f6f7f9; --callseal-panel: #fff; --callseal-ink: #1c2230; --callseal-muted: #5b6475; --callseal-line: #dde1e8; --callseal-accent: #2454d6; --callseal-accent-ink: #fff; --callseal-agent: #0f766e; --callseal-agent-bg: #e6f4f2; --callseal-customer: #7c3aed; --callseal-customer-bg: #f1ebfd; --callseal-fetched: #c9d3e6; --callseal-decrypted: #2454d6; --callseal-category: #0f766e; --callseal-danger: #b42318; --callseal-danger-bg: #fef3f2; --callseal-pii: #fff4d6; --callseal-pii-ink: #7a4d00; --callseal-focus: #f59e0b; --callseal-radius: 10px;
  color: var(--callseal-ink); background: var(--callseal-panel); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
:host([theme="dark"]) { color-scheme: dark; --callseal-bg: #0f131a; --callseal-panel: #171c25; --callseal-ink: #e6e9ef; --callseal-muted: #9aa3b2; --callseal-line: #2a3140; --callseal-accent: #6d93ff; --callseal-accent-ink: #0b1020; --callseal-agent: #5eead4; --callseal-agent-bg: #10302d; --callseal-customer: #c4b5fd; --callseal-customer-bg: #271f3d; --callseal-fetched: #33405a; --callseal-decrypted: #6d93ff; --callseal-category: #5eead4; --callseal-danger: #ff8a80; --callseal-danger-bg: #3a1714; --callseal-pii: #3d3217; --callseal-pii-ink: #ffd98a; }
@media (prefers-color-scheme: dark) { :host(:not([theme="light"])) { color-scheme: dark; --callseal-bg: #0f131a; --callseal-panel: #171c25; --callseal-ink: #e6e9ef; --callseal-muted: #9aa3b2; --callseal-line: #2a3140; --callseal-accent: #6d93ff; --callseal-accent-ink: #0b1020; --callseal-agent: #5eead4; --callseal-agent-bg: #10302d; --callseal-customer: #c4b5fd; --callseal-customer-bg: #271f3d; --callseal-fetched: #33405a; --callseal-decrypted: #6d93ff; --callseal-category: #5eead4; --callseal-danger: #ff8a80; --callseal-danger-bg: #3a1714; --callseal-pii: #3d3217; --callseal-pii-ink: #ffd98a; } }
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
h2, h3 { margin: 0; line-height: 1.2; }
h2 { font-size: 1rem; }
button, select, input { font: inherit; color: inherit; }
:focus-visible { outline: 3px solid var(--callseal-focus); outline-offset: 2px; }
[hidden] { display: none !important; }
.muted { color: var(--callseal-muted); }
.vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
kbd { font: 12px/1 ui-monospace, monospace; border: 1px solid var(--callseal-line); border-bottom-width: 2px; border-radius: 4px; padding: 2px 5px; background: var(--callseal-bg); }
button { border: 1px solid var(--callseal-line); background: var(--callseal-panel); border-radius: 8px; padding: .45rem .8rem; cursor: pointer; }
button:hover:not(:disabled) { border-color: var(--callseal-accent); }
button:disabled { opacity: .5; cursor: default; }
button.primary { background: var(--callseal-accent); color: var(--callseal-accent-ink); border-color: var(--callseal-accent); min-width: 6rem; font-weight: 600; }
button.ghost { background: transparent; }
select { border: 1px solid var(--callseal-line); background: var(--callseal-panel); border-radius: 8px; padding: .35rem .5rem; }
.layout { display: grid; grid-template-columns: minmax(0, 1.3fr) minmax(0, 1fr); gap: 1rem; align-items: start; }
@container (max-width: 720px) { .layout { grid-template-columns: minmax(0, 1fr); } }
.bar { display: flex; align-items: center; justify-content: space-between; gap: .5rem; margin-bottom: .5rem; }
.verified { font-size: .8rem; margin: 0 0 .6rem; }
.verified[data-state="verified"] { color: var(--callseal-agent); }
.verified[data-state="failed"] { color: var(--callseal-danger); font-weight: 600; }
.deck:focus { outline: none; }
.empty { color: var(--callseal-muted); padding: 2rem 0; text-align: center; }
#now h2 { font-size: 1.2rem; }
#now-meta { margin: .2rem 0 1rem; }

.error { border: 1px solid var(--callseal-danger); background: var(--callseal-danger-bg); border-radius: var(--callseal-radius); padding: .8rem 1rem; margin-bottom: 1rem; }
.error h3 { color: var(--callseal-danger); font-size: 1rem; margin-bottom: .3rem; }
.error p { margin: .3rem 0; }
.error code { display: block; white-space: pre-wrap; word-break: break-word; font-size: .8rem; margin-top: .3rem; }
.error details { font-size: .85rem; color: var(--callseal-muted); }

.stages { display: flex; list-style: none; padding: 0; margin: 0 0 1rem; gap: .25rem; font-size: .8rem; color: var(--callseal-muted); }
.stages li { flex: 1; text-align: center; padding-top: .35rem; border-top: 3px solid var(--callseal-line); }
.stages li.done { border-color: var(--callseal-decrypted); color: var(--callseal-ink); }
.stages li[aria-current="step"] { border-color: var(--callseal-focus); color: var(--callseal-ink); font-weight: 600; }

.timeline { position: relative; height: 28px; }
.timeline canvas { position: absolute; inset: 10px 0 auto 0; width: 100%; height: 8px; border-radius: 4px; background: var(--callseal-line); }
.timeline input[type="range"] { position: absolute; inset: 0; width: 100%; margin: 0; background: transparent; appearance: none; -webkit-appearance: none; height: 28px; cursor: pointer; }
.timeline input[type="range"]::-webkit-slider-runnable-track { background: transparent; height: 28px; }
.timeline input[type="range"]::-moz-range-track { background: transparent; }
.timeline input[type="range"]::-webkit-slider-thumb { -webkit-appearance: none; appearance: none; width: 16px; height: 16px; margin-top: 6px; border-radius: 50%; background: var(--callseal-ink); border: 2px solid var(--callseal-panel); }
.timeline input[type="range"]::-moz-range-thumb { width: 14px; height: 14px; border-radius: 50%; background: var(--callseal-ink); border: 2px solid var(--callseal-panel); }
.marks { position: absolute; inset: 0; pointer-events: none; }
.marks .mark { position: absolute; min-width: 2px; border-radius: 2px; }
.marks .category { top: 2px; height: 5px; background: var(--callseal-category); }
.marks .redaction { top: 10px; height: 8px; background: repeating-linear-gradient(45deg, var(--callseal-pii-ink) 0 2px, transparent 2px 4px); }
.times { display: flex; justify-content: space-between; font-variant-numeric: tabular-nums; font-size: .85rem; color: var(--callseal-muted); }
.legend { font-size: .75rem; margin: .2rem 0 .8rem; display: flex; align-items: center; gap: .35rem; }
.legend .sw { display: inline-block; width: .8rem; height: .5rem; border-radius: 2px; margin-left: .4rem; }
.legend .fetched { background: var(--callseal-fetched); }
.legend .decrypted { background: var(--callseal-decrypted); }
.legend .category { background: var(--callseal-category); }
.legend .redaction { background: repeating-linear-gradient(45deg, var(--callseal-pii-ink) 0 2px, transparent 2px 4px); }

.controls { display: flex; flex-wrap: wrap; align-items: center; gap: .6rem; }
.controls .speed { display: flex; align-items: center; gap: .35rem; }
.seg { display: inline-flex; border: 1px solid var(--callseal-line); border-radius: 8px; padding: 0; margin: 0; overflow: hidden; }
.seg legend { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
.seg label { padding: .4rem .7rem; cursor: pointer; }
.seg label + label { border-left: 1px solid var(--callseal-line); }
.seg input { position: absolute; opacity: 0; pointer-events: none; }
.seg label:has(input:checked) { background: var(--callseal-accent); color: var(--callseal-accent-ink); }
.seg label:has(input:focus-visible) { outline: 3px solid var(--callseal-focus); outline-offset: -3px; }
.seg:disabled { opacity: .5; }
#progress-text { font-size: .85rem; margin: .8rem 0 0; min-height: 1.2em; }

.transcript { max-height: 32rem; overflow: auto; }
.follow { font-size: .85rem; color: var(--callseal-muted); display: flex; gap: .3rem; align-items: center; }
.categories { display: flex; flex-wrap: wrap; gap: .3rem; margin: 0 0 .6rem; }
.categories span { font-size: .75rem; border-radius: 999px; padding: .1rem .5rem; background: var(--callseal-bg); border: 1px solid var(--callseal-line); }
.turns { list-style: none; margin: 0; padding: 0; display: grid; gap: .45rem; }
.turn { width: 100%; text-align: left; display: grid; grid-template-columns: auto 1fr auto; gap: .15rem .5rem; padding: .55rem .7rem; border-left: 4px solid transparent; }
.turn.agent { border-left-color: var(--callseal-agent); }
.turn.customer { border-left-color: var(--callseal-customer); margin-left: 1.25rem; width: calc(100% - 1.25rem); }
.turn .who { font-weight: 600; font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; }
.turn.agent .who { color: var(--callseal-agent); }
.turn.customer .who { color: var(--callseal-customer); }
.turn time { font-size: .8rem; color: var(--callseal-muted); font-variant-numeric: tabular-nums; }
.turn .sentiment { font-size: .7rem; color: var(--callseal-muted); justify-self: end; }
.turn .sentiment.negative { color: var(--callseal-danger); }
.turn .text { grid-column: 1 / -1; }
.turn[aria-current="true"] { background: var(--callseal-agent-bg); border-color: var(--callseal-accent); box-shadow: 0 0 0 1px var(--callseal-accent); }
.turn.customer[aria-current="true"] { background: var(--callseal-customer-bg); }
.pii { background: var(--callseal-pii); color: var(--callseal-pii-ink); border-radius: 4px; padding: 0 .25rem; font: .8em/1.4 ui-monospace, monospace; border: 1px dashed currentColor; }
.issue { text-decoration: underline wavy var(--callseal-danger); text-underline-offset: 3px; }

dialog { border: 1px solid var(--callseal-line); border-radius: var(--callseal-radius); background: var(--callseal-panel); color: var(--callseal-ink); padding: 1.25rem 1.5rem; max-width: 30rem; }
dialog::backdrop { background: rgb(0 0 0 / .45); }
dialog table { border-collapse: collapse; margin: .8rem 0 1rem; width: 100%; }
dialog th { text-align: left; font-weight: 400; padding: .3rem 1rem .3rem 0; white-space: nowrap; }
dialog form { text-align: right; }

@media (prefers-reduced-motion: reduce) { * { scroll-behavior: auto !important; } }
`;
