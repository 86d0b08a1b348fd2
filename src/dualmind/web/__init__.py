"""Play in the browser: a server that runs games on the wall clock and a page that draws
them and sends the human's keys and chat (depends on every layer below)."""
