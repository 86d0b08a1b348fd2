// dualmind in the browser: draws the kitchen from frames; sends keys and chat.
"use strict";
const TILE = 56;
const TILE_STYLE = {
  " ": ["#f4efe6", ""], "-": ["#b08d62", ""], "T": ["#d9534f", "T"], "L": ["#5cb85c", "L"],
  "O": ["#c79ac7", "O"], "P": ["#e8e8e8", "P"], "/": ["#8b6d4a", "/"], "U": ["#555", "U"],
  "*": ["#f0ad4e", "*"], "B": ["#333", "B"], "f": ["#b08d62", ""],
};
const ARROW = { up: [0, -1], down: [0, 1], left: [-1, 0], right: [1, 0] };

function drawKitchen(canvas, kitchen, f) {
  const ctx = canvas.getContext("2d");
  canvas.width = kitchen.width * TILE;
  canvas.height = kitchen.height * TILE;
  ctx.font = "12px sans-serif";
  ctx.textAlign = "center";
  kitchen.grid.forEach((row, y) => [...row].forEach((ch, x) => {
    const [color, label] = TILE_STYLE[ch] || ["#f0f", "?"];
    ctx.fillStyle = color;
    ctx.fillRect(x * TILE, y * TILE, TILE - 1, TILE - 1);
    if (label) { ctx.fillStyle = "#fff"; ctx.fillText(label, x * TILE + 8, y * TILE + 14); }
  }));
  for (const it of f.items) {
    const [x, y] = it.pos;
    ctx.fillStyle = "#222";
    const words = it.item.replace("chopped ", "chop. ").split(" ");
    words.slice(0, 3).forEach((w, i) => ctx.fillText(w, x * TILE + TILE / 2, y * TILE + 26 + i * 12));
    if (it.kind === "vegetable" && it.chops) {
      ctx.fillStyle = "#0a0"; ctx.fillRect(x * TILE + 4, y * TILE + TILE - 8, (TILE - 8) * it.chops / 8, 4);
    }
  }
  for (const pot of f.pots) {
    const [x, y] = pot.pos;
    if (pot.fire) { ctx.fillStyle = "#ff4500"; ctx.fillRect(x * TILE + 6, y * TILE + 6, TILE - 13, TILE - 13); }
    ctx.fillStyle = "#fff";
    ctx.fillText(pot.soup || pot.vegetables.join("+") || "", x * TILE + TILE / 2, y * TILE + 30);
    ctx.fillText(pot.phase, x * TILE + TILE / 2, y * TILE + 44);
    if (pot.progress > 0) {
      ctx.fillStyle = pot.phase === "ready" ? "#d9534f" : "#5bc0de";
      ctx.fillRect(x * TILE + 4, y * TILE + TILE - 8, (TILE - 8) * Math.min(1, pot.progress), 4);
    }
  }
  f.players.forEach((p, i) => {
    const [x, y] = p.pos, cx = x * TILE + TILE / 2, cy = y * TILE + TILE / 2;
    ctx.fillStyle = i === 0 ? "#337ab7" : "#e67e22";
    ctx.beginPath(); ctx.arc(cx, cy, TILE / 3, 0, 2 * Math.PI); ctx.fill();
    const [dx, dy] = ARROW[p.facing];
    ctx.strokeStyle = "#000"; ctx.lineWidth = 3;
    ctx.beginPath(); ctx.moveTo(cx, cy); ctx.lineTo(cx + dx * TILE / 2.2, cy + dy * TILE / 2.2); ctx.stroke();
    ctx.fillStyle = "#fff"; ctx.fillText(i === 0 ? "AI" : "you", cx, cy + 4);
    if (p.holding) { ctx.fillStyle = "#000"; ctx.fillText(p.holding, cx, y * TILE + TILE - 2); }
  });
}

function showStatus(el, f) {
  el.querySelector(".score").textContent = `score ${f.score}  (served ${f.served}, expired ${f.expired}, fires ${f.fires})`;
  el.querySelector(".time").textContent = `${f.time_left.toFixed(1)} s left`;
  el.querySelector(".orders").replaceChildren(...f.orders.map(o => {
    const bar = node("span", { class: "bar" });
    bar.style.width = `${Math.round(o.frac * 120)}px`;
    return node("div", { class: "order" }, `${o.soup} `, bar, ` ${o.left.toFixed(0)} s`);
  }));
  const held = f.players[1] && f.players[1].holding;
  el.querySelector(".held").textContent = `you hold: ${held || "nothing"}`;
}

// Every element is built from text nodes: data from the server never becomes HTML.
function node(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children.map(c => (c instanceof Node ? c : document.createTextNode(String(c)))));
  return e;
}

function addChat(log, player, text) {
  const div = document.createElement("div");
  div.className = player === 0 ? "agent" : "human";
  div.textContent = (player === 0 ? "AI: " : "you: ") + text;
  log.appendChild(div);
  log.scrollTop = log.scrollHeight;
}

window.dualmind = { drawKitchen, showStatus, addChat, node };
