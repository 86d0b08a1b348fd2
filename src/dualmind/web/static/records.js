// The records page: list every recorded game and replay one at 1x/2x/4x.
"use strict";
const $ = id => document.getElementById(id);
let speed = 1, timer = null;
document.querySelectorAll("[data-speed]").forEach(b => b.onclick = () => { speed = +b.dataset.speed; });
fetch("/api/records").then(r => r.json()).then(list => {
  const td = text => dualmind.node("td", {}, text);
  $("games").querySelector("tbody").replaceChildren(...list.map(e => {
    const button = dualmind.node("button", { class: "replay" }, "Replay");
    button.onclick = () => play(e.id);
    return dualmind.node("tr", {}, td(e.id), td(e.layout), td(e.agents.join(" + ")), td(e.ticks),
      td(e.summary ? e.summary.score : "-"), td(e.finished ? "finished" : "unfinished"),
      dualmind.node("td", {}, button));
  }));
});
async function play(id) {
  const data = await (await fetch(`/api/records/${id}/frames`)).json();
  $("player").style.display = "flex"; $("chatlog").replaceChildren();
  document.body.dataset.replay = "playing";
  let i = 0; clearInterval(timer);
  const step = () => {
    for (let k = 0; k < speed && i < data.frames.length; k++, i++) {
      const f = data.frames[i];
      for (const c of f.chat || []) dualmind.addChat($("chatlog"), c.player, c.text);
      if (k === speed - 1 || i === data.frames.length - 1) {
        dualmind.drawKitchen($("board"), data.kitchen, f); dualmind.showStatus($("status"), f);
      }
    }
    $("progress").textContent = `tick ${i} / ${data.frames.length}`;
    if (i >= data.frames.length) { clearInterval(timer); document.body.dataset.replay = "done"; }
  };
  timer = setInterval(step, data.kitchen.tick_seconds * 1000);
}
