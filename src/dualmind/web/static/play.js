// The play page: start a game, stream it, send keys and chat, the questionnaire.
"use strict";
const $ = id => document.getElementById(id);
let ws = null, kitchen = null, token = null;
const KEYS = { ArrowUp: "up", ArrowDown: "down", ArrowLeft: "left", ArrowRight: "right",
               w: "up", s: "down", a: "left", d: "right", " ": "interact" };
fetch("/api/options").then(r => r.json()).then(o => {
  for (const [id, list] of [["layout", o.layouts], ["agent", o.agents], ["backend", o.backends]])
    $(id).replaceChildren(...list.map(v => dualmind.node("option", {}, v)));
  $("layout").value = o.defaults.layout; $("agent").value = o.defaults.agent;
  $("backend").value = o.defaults.backend; $("slow").value = o.defaults.slow_latency;
});
document.querySelectorAll("[data-q]").forEach(s => s.replaceChildren(...[1, 2, 3, 4, 5].map(v =>
  dualmind.node("label", {}, dualmind.node("input", { type: "radio", name: s.dataset.q, value: v }), `${v} `))));
$("start").onclick = async () => {
  const body = { layout: $("layout").value, agent: $("agent").value, backend: $("backend").value,
                 seconds: +$("seconds").value, slow_latency: +$("slow").value, show_mind: $("showmind").checked };
  const r = await fetch("/api/games", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!r.ok) { $("errors").textContent = (await r.json()).detail; return; }
  token = (await r.json()).token;
  $("setup").style.display = "none"; $("game").style.display = "flex";
  $("mind").style.display = body.show_mind ? "block" : "none";
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/${token}`);
  ws.onmessage = ev => {
    const m = JSON.parse(ev.data);
    if (m.type === "start") { kitchen = m.kitchen; document.body.dataset.state = "running"; }
    else if (m.type === "frame" && kitchen) {
      dualmind.drawKitchen($("board"), kitchen, m);
      dualmind.showStatus($("status"), m);
      if ("intention" in m) { $("intention").textContent = m.intention || "-"; $("macro").textContent = m.macro || "-"; }
      for (const c of m.chat || []) dualmind.addChat($("chatlog"), c.player, c.text);
    } else if (m.type === "end" || m.type === "summary") {  // summary: with the scoring
      document.body.dataset.state = "over";
      const s = m.summary;
      $("result").textContent = `score ${s.score}: served ${s.served}, expired ${s.expired}, fires ${s.fires}` +
        (s.compliance != null ? `, compliance ${Math.round(s.compliance * 100)}%` : "");
      $("summary").style.display = "block";
    } else if (m.type === "error") { $("errors").textContent = m.message; }
  };
  ws.onclose = ev => {  // a game that could not start or broke says why in the close frame
    if (document.body.dataset.state === "over") return;
    document.body.dataset.state = "closed";
    $("errors").textContent = ev.reason ? `the game ended: ${ev.reason}` : "the connection to the server was lost";
  };
};
document.addEventListener("keydown", ev => {
  if (!ws || document.activeElement === $("chatinput")) return;
  const action = KEYS[ev.key];
  if (action) { ev.preventDefault(); ws.send(JSON.stringify({ type: "key", action })); }
});
$("chatform").onsubmit = ev => {
  ev.preventDefault();
  const text = $("chatinput").value.trim();
  if (ws && text) ws.send(JSON.stringify({ type: "chat", text }));
  $("chatinput").value = ""; $("chatinput").blur();
};
$("questions").onsubmit = async ev => {
  ev.preventDefault();
  const answers = {};
  for (const q of ["understood", "helpful", "fast"]) {
    const c = document.querySelector(`input[name=${q}]:checked`); if (c) answers[q] = +c.value;
  }
  const r = await fetch(`/api/games/${token}/questionnaire`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(answers) });
  $("thanks").textContent = r.ok ? "Thank you!" : `could not store the answers: ${(await r.json()).detail}`;
};
