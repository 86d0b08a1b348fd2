"""Understanding a human's chat: message + game context -> structured intention.

Interpreters (one protocol, :class:`~dualmind.agents.language.interpreters.Interpreter`):
``learned`` (sentence embeddings + a small trained intent head + rule-based slots, the
default), ``rules`` (keywords only, a baseline), and ``llm`` over any language-model
backend (``embedded`` SmolLM2, ``openai`` server).
"""
