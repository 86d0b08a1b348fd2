"""Language models behind one small protocol (see :mod:`dualmind.llm.protocol`).

Backends: ``openai`` (any OpenAI-compatible HTTP server), ``qwen`` (Qwen2.5-Coder 1.5B
and 0.5B in-process, from the ``models`` extra assembled by :mod:`~dualmind.llm.weights`;
also batched likelihood scoring), ``embedded`` (SmolLM2 run in-process by
llama-cpp-python), ``learned`` (a small intent + slot interpreter over sentence
embeddings), and ``scripted`` (canned answers, for tests only).
"""
